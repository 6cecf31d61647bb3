"""Talking to an Auth0 tenant: the Management API client, its rate-limit policy and a local emulator."""
