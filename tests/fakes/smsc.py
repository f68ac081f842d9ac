"""A fake SMSC at the transport seam: SMPP 3.4 over TCP on 127.0.0.1, PDUs read and written by
hand here (not with the client's library, so a shared codec bug cannot hide).

    async with FakeSmsc("bot", "secret") as smsc:   # smsc.port for SMPP_PORT
        ...
        assert smsc.texts_to("22376123456") == ["..."]

It answers bind_transceiver (checking system_id and password), enquire_link, submit_sm (with a
message id; concatenated parts are put back together), and unbind. A test makes it send a
person's SMS (`deliver`), a delivery receipt (`receipt`), answer ESME_RTHROTTLED
(`throttle_next`), drop the connection on the n-th submit_sm without answering it
(`drop_on_submit`), answer a window of submit_sm out of order (`answer_in_reverse`), refuse
chosen parts of the next concatenated message (`refuse_parts`), or lose our deliver_sm_resp so
that it redelivers the same deliver_sm after its response timer (`deliver(...,
response_lost=True)`; `redeliver()` sends the last one again, as after a reconnect).
"""

from __future__ import annotations

import asyncio
import codecs
import itertools
import struct
import time
from dataclasses import dataclass, field

import gsm0338  # noqa: F401 - registers the "gsm03.38" codec

BIND_TRANSCEIVER = 0x00000009
BIND_TRANSMITTER = 0x00000002
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
GENERIC_NACK = 0x80000000
ESME_ROK, ESME_RBINDFAIL, ESME_RTHROTTLED = 0x00, 0x0D, 0x58
ESME_RSUBMITFAIL = 0x45
UDHI = 0x40


@dataclass
class Submitted:
    """One submit_sm as it arrived (a part of a concatenated message is one of these)."""

    destination: str
    data_coding: int
    esm_class: int
    text: str  # this part's text, the user data header removed
    concat: tuple[int, int, int] | None  # (reference, total, sequence) from the UDH
    message_id: str
    at: float


@dataclass
class FakeSmsc:
    system_id: str
    password: str
    port: int = 0
    submitted: list[Submitted] = field(default_factory=list)
    binds: int = 0
    bind_modes: list[str] = field(default_factory=list)
    enquire_links: int = 0
    receipts_acknowledged: int = 0
    delivered_acknowledged: int = 0
    deliver_sm_statuses: list[int] = field(default_factory=list)  # each deliver_sm_resp's
    response_timer: float = 0.2  # seconds before a deliver_sm whose response was lost is resent
    _throttle: int = 0
    _drop_on: int | None = None
    _reverse: int = 0
    _refuse: dict[int, int] = field(default_factory=dict)  # part number -> command_status
    _last_deliver: bytes = b""
    _lost: set[int] = field(default_factory=set)  # deliver_sm sequence numbers
    _tasks: set[asyncio.Task] = field(default_factory=set)
    _held: list[bytes] = field(default_factory=list)
    _writers: list[asyncio.StreamWriter] = field(default_factory=list)
    _server: asyncio.base_events.Server | None = None
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _seq: itertools.count = field(default_factory=lambda: itertools.count(1))
    _bound: asyncio.Event = field(default_factory=asyncio.Event)

    # -- what a test does ------------------------------------------------------------

    def throttle_next(self, times: int = 1) -> None:
        self._throttle += times

    def drop_on_submit(self, nth: int) -> None:
        """Close the connection when the n-th submit_sm from now arrives, without answering it."""
        self._drop_on = len(self.submitted) + nth

    def refuse_parts(self, parts: dict[int, int]) -> None:
        """Answer these parts (1-based) of the next concatenated messages with these statuses
        (accepting the others); each refusal is used once."""
        self._refuse.update(parts)

    def answer_in_reverse(self, window: int) -> None:
        """Hold the next `window` submit_sm_resp and send them last first."""
        self._reverse = window

    async def wait_bound(self) -> None:
        await asyncio.wait_for(self._bound.wait(), 5.0)

    async def deliver(self, source: str, text: str, *, response_lost: bool = False) -> None:
        """A person's SMS to the short code (source: international digits, no +). With
        `response_lost`, our deliver_sm_resp never reaches the SMSC: it sends the same
        deliver_sm again after its response timer."""
        self._last_deliver = _deliver_body(source, "38383", 0, text)
        seq = await self._to_esme(DELIVER_SM, self._last_deliver)
        if response_lost:
            self._lost.add(seq)

    async def redeliver(self) -> None:
        """The last deliver_sm again, under a new sequence number (as an SMSC retries)."""
        await self._to_esme(DELIVER_SM, self._last_deliver)

    async def receipt(self, message_id: str, stat: str = "DELIVRD", err: int = 0) -> None:
        text = (
            f"id:{message_id} sub:001 dlvrd:{1 if stat == 'DELIVRD' else 0:03d} "
            f"submit date:2611291200 done date:2611291201 stat:{stat} err:{err:03d} text:"
        )
        await self._to_esme(DELIVER_SM, _deliver_body("38383", "22376123456", 0x04, text))

    def messages(self) -> list[tuple[str, str]]:
        """(destination, whole text) of each message, concatenated parts put back together."""
        whole: list[tuple[str, str]] = []
        parts: dict[tuple[str, int], dict[int, str]] = {}
        for sub in self.submitted:
            if sub.concat is None:
                whole.append((sub.destination, sub.text))
                continue
            ref, total, seq = sub.concat
            got = parts.setdefault((sub.destination, ref), {})
            got[seq] = sub.text
            if len(got) == total:
                whole.append((sub.destination, "".join(got[i] for i in sorted(got))))
                del parts[(sub.destination, ref)]
        return whole

    def texts_to(self, destination: str) -> list[str]:
        return [text for to, text in self.messages() if to == destination]

    async def drop(self) -> None:
        """Cut every connection (the SMSC restarts)."""
        for writer in self._writers:
            writer.close()
        self._writers.clear()
        self._bound.clear()

    # -- life ------------------------------------------------------------

    async def __aenter__(self) -> FakeSmsc:
        self._server = await asyncio.start_server(self._session, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.drop()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- the protocol ------------------------------------------------------------

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.append(writer)
        try:
            while True:
                header = await reader.readexactly(16)
                length, command, status, seq = struct.unpack("!IIII", header)
                body = await reader.readexactly(length - 16)
                if not await self._answer(writer, command, seq, body, status):
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            if writer in self._writers:
                self._writers.remove(writer)
            self._bound.clear()
            writer.close()

    async def _answer(
        self, writer: asyncio.StreamWriter, command: int, seq: int, body: bytes, _status: int = 0
    ) -> bool:
        if command in (BIND_TRANSCEIVER, BIND_TRANSMITTER):
            system_id, rest = _cstring(body)
            password, _ = _cstring(rest)
            ok = system_id == self.system_id and password == self.password
            self.binds += ok
            self.bind_modes.append("transceiver" if command == BIND_TRANSCEIVER else "transmitter")
            status = ESME_ROK if ok else ESME_RBINDFAIL
            _write(writer, command | 0x80000000, status, seq, b"smsc\0")
            if ok:
                self._bound.set()
            return ok
        if command == ENQUIRE_LINK:
            self.enquire_links += 1
            _write(writer, ENQUIRE_LINK_RESP, ESME_ROK, seq, b"")
        elif command == UNBIND:
            _write(writer, UNBIND_RESP, ESME_ROK, seq, b"")
            await writer.drain()
            return False
        elif command == SUBMIT_SM:
            return await self._submit(writer, seq, body)
        elif command == DELIVER_SM_RESP:
            self.deliver_sm_statuses.append(_status)
            if seq in self._lost:  # lost on the way: the SMSC times out and sends it again
                self._lost.discard(seq)
                task = asyncio.create_task(self._redeliver_later(self._last_deliver))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self.delivered_acknowledged += 1
        else:
            _write(writer, GENERIC_NACK, 0x03, seq, b"")
        await writer.drain()
        return True

    async def _submit(self, writer: asyncio.StreamWriter, seq: int, body: bytes) -> bool:
        if self._drop_on is not None and len(self.submitted) + 1 >= self._drop_on:
            self._drop_on = None
            return False  # the connection drops: this submit_sm is never answered
        if self._throttle:
            self._throttle -= 1
            _write(writer, SUBMIT_SM_RESP, ESME_RTHROTTLED, seq, b"\0")
            await writer.drain()
            return True
        message_id = f"{next(self._ids):08X}"
        submitted = _parse_submit(body, message_id)
        refusal = self._refuse.pop(submitted.concat[2], None) if submitted.concat else None
        if refusal is not None:
            _write(writer, SUBMIT_SM_RESP, refusal, seq, b"\0")
            await writer.drain()
            return True
        self.submitted.append(submitted)
        pdu = _pdu(SUBMIT_SM_RESP, ESME_ROK, seq, message_id.encode() + b"\0")
        if self._reverse:
            self._held.append(pdu)
            self._reverse -= 1
            if self._reverse:
                return True
            for held in reversed(self._held):
                writer.write(held)
            self._held.clear()
        else:
            writer.write(pdu)
        await writer.drain()
        return True

    async def _to_esme(self, command: int, body: bytes) -> int:
        await self.wait_bound()
        writer = self._writers[-1]
        seq = next(self._seq)
        _write(writer, command, ESME_ROK, seq, body)
        await writer.drain()
        return seq

    async def _redeliver_later(self, body: bytes) -> None:
        await asyncio.sleep(self.response_timer)
        await self._to_esme(DELIVER_SM, body)


def _pdu(command: int, status: int, seq: int, body: bytes) -> bytes:
    return struct.pack("!IIII", 16 + len(body), command, status, seq) + body


def _write(writer: asyncio.StreamWriter, command: int, status: int, seq: int, body: bytes) -> None:
    writer.write(_pdu(command, status, seq, body))


def _cstring(data: bytes) -> tuple[str, bytes]:
    end = data.index(b"\0")
    return data[:end].decode("ascii"), data[end + 1 :]


def _parse_submit(body: bytes, message_id: str) -> Submitted:
    _service, rest = _cstring(body)
    rest = rest[2:]  # source ton, npi
    _source, rest = _cstring(rest)
    rest = rest[2:]  # destination ton, npi
    destination, rest = _cstring(rest)
    esm_class = rest[0]
    rest = rest[3:]  # esm_class, protocol_id, priority_flag
    _schedule, rest = _cstring(rest)
    _validity, rest = _cstring(rest)
    rest = rest[2:]  # registered_delivery, replace_if_present
    data_coding, length = rest[0], rest[2]
    message = rest[3 : 3 + length]
    concat = None
    if esm_class & UDHI:
        udh_length = message[0]
        udh, message = message[1 : 1 + udh_length], message[1 + udh_length :]
        if udh[0] == 0x00:  # concatenation, 8-bit reference
            concat = (udh[2], udh[3], udh[4])
        elif udh[0] == 0x08:  # 16-bit reference
            concat = ((udh[2] << 8) | udh[3], udh[4], udh[5])
    text = codecs.decode(message, "utf-16-be" if data_coding == 8 else "gsm03.38")
    return Submitted(
        destination, data_coding, esm_class, text, concat, message_id, time.monotonic()
    )


def _deliver_body(source: str, destination: str, esm_class: int, text: str) -> bytes:
    try:
        encoded, coding = codecs.encode(text, "gsm03.38"), 0
    except UnicodeEncodeError:
        encoded, coding = text.encode("utf-16-be"), 8
    return (
        b"\0"  # service_type
        + bytes([1, 1])
        + source.encode()
        + b"\0"
        + bytes([0, 0])
        + destination.encode()
        + b"\0"
        + bytes([esm_class, 0, 0])
        + b"\0\0"  # schedule, validity
        + bytes([0, 0, coding, 0, len(encoded)])
        + encoded
    )
