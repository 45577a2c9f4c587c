"""Teaching the bot: the messages it misunderstood, kept as text only for the region's
coordinator to label, and the labels written as proposed training examples for a
maintainer (issue 19)."""
