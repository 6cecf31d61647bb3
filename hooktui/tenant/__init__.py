"""The local tenant (the emulator of the Auth0 Management API): its HTTP server and connection bounds, request
decoding and error shapes, auth, token bucket, fault switches and the batched state file."""
