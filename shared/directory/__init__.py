"""The collaboration's directory: organizations, people, service accounts and API keys.

The directory is a stream of events on the ``directory`` topic (``events``); the ``accord``
command line writes them (``cli``, through ``service``), and every service keeps its own
in-memory ``projection`` of them, which answers who a key or a signed-in person is
(``authenticator``, ``views``).
"""
