"""Infrastructure: database engine, sessions and migrations; delivering the outbox;
Rasa's HTTP API and its tracker tables; work kept through an outage; the background
jobs; starting and supervising the processes."""
