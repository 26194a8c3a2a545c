"""The ways a notification can reach a person. E-mail is the one Holdspace ships; a text
message or push provider plugs in by implementing `Provider` and registering it in PROVIDERS
(for example from a deployment's own app). A channel with no provider is listed, shown as not
available, and can neither be chosen nor used: its messages go by e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.core.mail import send_mail

from holdspace.accounts.models import User
from holdspace.notifications.models import Channel


@dataclass(frozen=True)
class Message:
    """What a notification says: never clinical content (see services.alert_message). A
    short channel (a text message) sends the subject and the link; e-mail sends the body."""

    recipient: User
    subject: str
    body: str
    link: str


class Provider(Protocol):
    """A way of delivering a Message. `send` raises on failure; the caller retries."""

    channel: Channel

    def send(self, message: Message) -> None: ...


class EmailProvider:
    channel = Channel.EMAIL

    def send(self, message: Message) -> None:
        to = [message.recipient.email]
        send_mail(message.subject, message.body, settings.DEFAULT_FROM_EMAIL, to)


PROVIDERS: dict[str, Provider] = {Channel.EMAIL: EmailProvider()}


def available(channel: str) -> bool:
    return channel in PROVIDERS


def provider_for(channel: str) -> Provider:
    """The provider of CHANNEL, or e-mail's when CHANNEL has none: a safety alert always has a
    way to go."""
    return PROVIDERS.get(channel) or PROVIDERS[Channel.EMAIL]
