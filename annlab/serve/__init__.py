"""``annlab serve``: the lab in a web browser, one app process per tab, for a whole class.

    catalogue.py  which scenarios a learner may open (bundled ones and the teacher's folder):
                  the server builds it, hands it to each session through the environment, and
                  the session checks every scenario it opens against it
    session.py    what a learner's app process does first: tie its life to the server's, read
                  the catalogue it was given
    server.py     the web server (aiohttp, textual-serve's protocol and page assets): the page,
                  one app process per websocket, the class size limit, the session log, shutdown
    command.py    the ``annlab serve`` command line

Only ``server.py`` imports aiohttp and textual-serve, and only when ``annlab serve`` runs. A
session's app is the same ``annlab`` app as in a terminal, run with ``python -m annlab`` and
no shell: nothing a teacher or a learner types is ever parsed by ``/bin/sh``.
"""
