"""The console: a Textual app over hooktui.core. Widgets talk to the App through Messages
(messages.py); the App owns every state change; workers never touch widgets."""
