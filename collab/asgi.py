"""Django's ASGI handler with the middleware chain run in one thread hop per request, on threads
kept from one request to the next.

Django's own handler builds the chain for async use. Every middleware here but the innermost
two is sync-only in effect (WhiteNoise and ``ActingPartyMiddleware`` cannot run async, and a
``MiddlewareMixin`` run async hops to a thread for each of its hooks), so Django ran the outer
chain in a thread, hopped back to the event loop for the inner middleware (``async_to_sync``:
a new executor and condition variable per request) and then to the thread again for the view.
The views are sync too, so nothing ran on the loop in between. This handler builds the chain
for sync use, as under WSGI, and calls it with one ``sync_to_async``: the same middleware, in
the same order, on the request's thread.

Django's ``handle`` also hops to a thread for ``request_started`` (its receivers are sync) and
again for ``response.close()`` (which sends ``request_finished``), and runs a second task per
request that waits for the client to disconnect, only to cancel the await of a sync view that
runs to its end regardless. Here one hop does all of the sync work: the ``request_started``
signal, building the request, the middleware and view, and, for a response that is not
streamed, ``close()``, so that its connection is back in the pool before the bytes go out (they
are already in the response). A streamed response is closed after it has been sent, as before.

Django also gives every request a new thread (``ThreadSensitiveContext`` creates an executor
per request), and with it a new database wrapper. Here a request takes an idle single-thread
executor, as a threaded WSGI server takes a thread from its pool; the request still runs all its
sync code on one thread of its own, and ``request_finished`` still returns its connection to
the pool. Reading the body, building the request and sending the response stay Django's.

A process runs at most ``COLLAB_REQUESTS_PER_PROCESS`` requests at once (by default its database
pool's size); the others wait their turn on the event loop, in arrival order. A request beyond
the pool's connections would only wait inside its thread for one: with 16 such requests per
process (32 API clients on two processes) their threads passed the GIL and the pool's condition
among themselves, and the server spent 4.8 ms of CPU per create instead of 4.0-4.3 ms (270-288
against 305-333 creates/s, bench/README.md, API load). WebSockets are not counted.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse
from django.urls import set_script_prefix


class SyncChainASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)
        # Request threads kept for reuse: never more than the requests run at once.
        self._idle: list[ThreadPoolExecutor] = []
        self._slots = asyncio.Semaphore(settings.COLLAB_REQUESTS_PER_PROCESS)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        try:
            body_file = await self.read_body(receive)  # a slow upload holds no turn
        except RequestAborted:
            return
        try:
            response = await self._run(scope, body_file, send)
            if not response.streaming:
                await self.send_response(response, send)  # its turn is over: nothing held
        finally:
            body_file.close()

    async def _run(self, scope, body_file, send):
        """The request's turn: its sync work on a thread of its own and, for a streamed
        response, the sending too (the stream reads on that thread until ``close()``)."""
        async with self._slots:
            try:
                executor = self._idle.pop()
            except IndexError:
                executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
            try:
                async with ThreadSensitiveContext(executor=executor):
                    response = await sync_to_async(self._respond, thread_sensitive=True)(
                        scope, body_file
                    )
                    if response.streaming:
                        try:
                            await self.send_response(response, send)
                        finally:
                            await sync_to_async(response.close, thread_sensitive=True)()
            except BaseException:
                # Cut short (the server cancelled the request): whatever the thread still
                # holds, such as a database connection it never returned, goes with it.
                executor.shutdown(wait=False)
                raise
            self._idle.append(executor)
        return response

    def _respond(self, scope, body_file):
        """On the request's thread: everything between the body read and the send."""
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self.get_response(request)
            response._handler_class = self.__class__
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
        if not response.streaming:
            response.close()
        return response
