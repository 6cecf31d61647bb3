"""hooktui: develop, test and deploy Auth0 Hooks from the terminal."""

__version__ = "0.1.0"
