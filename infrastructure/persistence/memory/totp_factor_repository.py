"""Authenticators (TOTP factors) in memory."""

import uuid
from dataclasses import replace

from domain.mfa import TotpFactor
from infrastructure.persistence.memory.database import TablesAccess, delete, insert, replace_row
from infrastructure.persistence.memory.queries import copy_of


class MemoryTotpFactorRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def add(self, factor: TotpFactor) -> None:
        insert(self._tables(), "totp_factors", factor.user_id, factor)

    def get(self, user_id: uuid.UUID) -> TotpFactor | None:
        return copy_of(self._tables().totp_factors.get(user_id))

    def get_for_update(self, user_id: uuid.UUID) -> TotpFactor | None:
        # The unit of work holds the store's lock: every row is as locked as it can be.
        return self.get(user_id)

    def update(self, factor: TotpFactor) -> None:
        tables = self._tables()
        stored = tables.totp_factors.get(factor.user_id)
        if stored is None:
            return
        # As the SQL adapter's CASE: a used step stays used, even when a stale factor comes back.
        steps = [
            step for step in (stored.last_used_step, factor.last_used_step) if step is not None
        ]
        last_used_step = max(steps) if steps else None
        replace_row(
            tables, "totp_factors", factor.user_id, replace(factor, last_used_step=last_used_step)
        )

    def delete(self, user_id: uuid.UUID) -> None:
        delete(self._tables(), "totp_factors", user_id)
