"""The websocket each deployed agent keeps open to the server.

An agent connects to `/ws/outpost/<outpost uuid>/?instance_uuid=<id>` with
`Authorization: Bearer <key>`. The handshake is refused (HTTP 403, before the
connection is accepted) when the key is missing or invalid, when its user may
not view the outpost, when the outpost does not exist, or when
`instance_uuid` is missing.

Messages are JSON objects `{"instruction": <int>, "args": {...}}`:

- 0 ack: ignored when the agent sends it;
- 1 hello: records the instance's state for the outpost's `health` list and
  is answered with an ack;
- 2 trigger update: sent by the server when the outpost's configuration
  changed, so the agent refetches it;
- 3 provider specific, 4 session end: accepted from the agent, nothing to do.

Every message but an ack refreshes the instance's `last_seen`.

A message the server cannot understand closes the connection with one of
these application close codes (the close reason says which part was wrong):

- 4000 `CLOSE_MALFORMED`: not a JSON text frame, not an object, `instruction`
  not an integer, or `args` not an object;
- 4001 `CLOSE_UNKNOWN_INSTRUCTION`: `instruction` is not one of 0 to 4;
- 4002 `CLOSE_INVALID_HELLO`: a hello whose fields have the wrong type or are
  too long.
"""

import json
import os
from enum import IntEnum
from urllib.parse import parse_qs
from uuid import UUID

import structlog
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer

from outposts.api.permissions import has_model_or_object_perm
from outposts.models import Outpost
from outposts.services.health import health_record
from outposts.services.notify import outpost_group
from outposts.services.tokens import token_user_for_key

LOGGER = structlog.get_logger(__name__)

CLOSE_MALFORMED = 4000
CLOSE_UNKNOWN_INSTRUCTION = 4001
CLOSE_INVALID_HELLO = 4002

# Agents send a hello of a few hundred bytes; anything far larger is not one.
MAX_MESSAGE_LENGTH = 64 * 1024
MAX_FIELD_LENGTH = 256
MAX_INSTANCE_UUID_LENGTH = 256


class Instruction(IntEnum):
    ACK = 0
    HELLO = 1
    TRIGGER_UPDATE = 2
    PROVIDER_SPECIFIC = 3
    SESSION_END = 4


# The fields of a hello, with the JSON types each may take. A field an older
# agent leaves out is recorded as absent; one of the wrong type is refused.
HELLO_FIELDS: dict[str, tuple[type, ...]] = {
    "version": (str,),
    "buildHash": (str,),
    "golangVersion": (str,),
    "opensslEnabled": (bool,),
    "opensslVersion": (str,),
    "fipsEnabled": (bool, type(None)),
    "hostname": (str,),
}


class ProtocolError(Exception):
    """A message the server cannot act on; closes the connection with `code`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


def bearer_key(scope: dict) -> str | None:
    """The key of the first `Authorization: Bearer <key>` header, if any."""
    for name, value in scope.get("headers", []):
        if name.lower() != b"authorization":
            continue
        scheme, _, key = value.decode("latin-1").strip().partition(" ")
        key = key.strip()
        if scheme.lower() == "bearer" and key:
            return key
        return None
    return None


def instance_uuid(scope: dict) -> str | None:
    """The `instance_uuid` query parameter, if present and of a sane length."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("instance_uuid") or [""]
    value = values[0].strip()
    if not value or len(value) > MAX_INSTANCE_UUID_LENGTH:
        return None
    return value


def parse_message(text: str | None) -> tuple[Instruction, dict]:
    """Decode and check one agent message; raise ProtocolError when it is bad."""
    if text is None:
        raise ProtocolError(CLOSE_MALFORMED, "messages must be JSON text frames")
    if len(text) > MAX_MESSAGE_LENGTH:
        raise ProtocolError(CLOSE_MALFORMED, "message too long")
    try:
        message = json.loads(text)
    except ValueError:
        raise ProtocolError(CLOSE_MALFORMED, "message is not valid JSON") from None
    if not isinstance(message, dict):
        raise ProtocolError(CLOSE_MALFORMED, "message must be a JSON object")
    instruction = message.get("instruction")
    # bool is a subclass of int, but `true` is not an instruction.
    if not isinstance(instruction, int) or isinstance(instruction, bool):
        raise ProtocolError(CLOSE_MALFORMED, "instruction must be an integer")
    args = message.get("args", {})
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ProtocolError(CLOSE_MALFORMED, "args must be a JSON object")
    try:
        return Instruction(instruction), args
    except ValueError:
        raise ProtocolError(
            CLOSE_UNKNOWN_INSTRUCTION, f"unknown instruction {instruction}"
        ) from None


def hello_state(args: dict) -> dict:
    """The instance state a hello reports; raise ProtocolError on a bad field."""
    state = {}
    for field, types in HELLO_FIELDS.items():
        if field not in args:
            continue
        value = args[field]
        if not isinstance(value, types):
            raise ProtocolError(CLOSE_INVALID_HELLO, f"{field} has the wrong type")
        if isinstance(value, str) and len(value) > MAX_FIELD_LENGTH:
            raise ProtocolError(CLOSE_INVALID_HELLO, f"{field} is too long")
        state[field] = value
    return state


@database_sync_to_async
def authorize(key: str | None, outpost_pk: UUID) -> tuple[Outpost | None, str, str]:
    """Return (outpost, username, refusal reason); the outpost is None when refused."""
    if key is None:
        return None, "", "no_token"
    user = token_user_for_key(key)
    if user is None:
        return None, "", "invalid_token"
    outpost = Outpost.objects.filter(pk=outpost_pk).first()
    if outpost is None:
        return None, user.username, "no_such_outpost"
    if not (
        user.is_superuser or has_model_or_object_perm(user, Outpost, "view", outpost)
    ):
        # Not telling "does not exist" from "may not see" apart on the wire,
        # both are a refused handshake; only the log says which.
        return None, user.username, "permission_denied"
    return outpost, user.username, ""


class OutpostConsumer(AsyncWebsocketConsumer):
    """One connected agent instance of one outpost."""

    outpost_pk: UUID | None = None
    group: str | None = None
    uid: str = ""

    async def connect(self) -> None:
        outpost_pk = self.scope["url_route"]["kwargs"]["outpost_pk"]
        uid = instance_uuid(self.scope)
        log = LOGGER.bind(outpost=str(outpost_pk), instance=uid)
        if uid is None:
            log.warning("agent_refused", reason="no_instance_uuid")
            await self.close()
            return
        outpost, username, refusal = await authorize(bearer_key(self.scope), outpost_pk)
        if outpost is None:
            log.warning("agent_refused", reason=refusal, user=username or None)
            await self.close()
            return

        self.outpost_pk = outpost.pk
        self.uid = uid
        self.group = outpost_group(outpost.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        log.info("agent_connected", user=username, pid=os.getpid())

    async def disconnect(self, code: int) -> None:
        if self.group is None:
            return
        await self.channel_layer.group_discard(self.group, self.channel_name)
        LOGGER.info(
            "agent_disconnected",
            outpost=str(self.outpost_pk),
            instance=self.uid,
            code=code,
        )

    async def receive(self, text_data=None, bytes_data=None) -> None:
        try:
            instruction, args = parse_message(text_data)
            state = hello_state(args) if instruction == Instruction.HELLO else None
        except ProtocolError as error:
            LOGGER.warning(
                "agent_message_rejected",
                outpost=str(self.outpost_pk),
                instance=self.uid,
                code=error.code,
                reason=error.reason,
            )
            await self.close(code=error.code, reason=error.reason)
            return

        if instruction == Instruction.ACK:
            return
        # Not thread-sensitive: a wait on the cache must not hold up the
        # other connections of this worker.
        await sync_to_async(health_record, thread_sensitive=False)(
            self.outpost_pk, self.uid, state
        )
        if instruction == Instruction.HELLO:
            await self.send_instruction(Instruction.ACK)

    async def outpost_trigger_update(self, event: dict) -> None:
        """Channel-layer event: the outpost's configuration changed."""
        await self.send_instruction(Instruction.TRIGGER_UPDATE)

    async def send_instruction(self, instruction: Instruction) -> None:
        await self.send(
            text_data=json.dumps({"instruction": int(instruction), "args": {}})
        )


class RefuseConsumer(AsyncWebsocketConsumer):
    """Any other websocket path: refuse the handshake instead of failing."""

    async def connect(self) -> None:
        LOGGER.warning("websocket_refused", path=self.scope.get("path", ""))
        await self.close()
