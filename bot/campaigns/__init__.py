"""Campaigns: messages a coordinator schedules for an audience at the moment a task in
the route falls due, delivered where the person is and measured by whether the task
got done (issue 19; FACTS.md, "Evidence behind the features")."""
