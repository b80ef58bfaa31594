"""Email adapters (the EmailSender port): the console for development, SMTP for real delivery."""

from infrastructure.email.console import ConsoleEmailSender
from infrastructure.email.smtp import EmailQueueFull, EmailSenderClosed, SmtpEmailSender

__all__ = ["ConsoleEmailSender", "EmailQueueFull", "EmailSenderClosed", "SmtpEmailSender"]
