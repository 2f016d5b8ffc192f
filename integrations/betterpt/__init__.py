"""BetterPT video rooms: client (client.py), operations/*.graphql, sandbox/."""
