"""Recovery codes (their hashes) in memory."""

import uuid
from datetime import datetime

from domain.mfa import RecoveryCode
from infrastructure.persistence.memory.database import TablesAccess, delete, insert, stamp


class MemoryRecoveryCodeRepository:
    def __init__(self, tables: TablesAccess) -> None:
        self._tables = tables

    def replace(self, user_id: uuid.UUID, codes: list[RecoveryCode]) -> None:
        self.delete_for_user(user_id)
        tables = self._tables()
        for code in codes:
            insert(tables, "recovery_codes", (code.user_id, code.code_hash), code)

    def use(self, user_id: uuid.UUID, code_hash: str, now: datetime) -> bool:
        return stamp(self._tables(), "recovery_codes", [(user_id, code_hash)], "used_at", now) == 1

    def count_unused(self, user_id: uuid.UUID) -> int:
        return sum(
            code.user_id == user_id and code.used_at is None
            for code in self._tables().recovery_codes.values()
        )

    def delete_for_user(self, user_id: uuid.UUID) -> None:
        tables = self._tables()
        for key in [key for key, code in tables.recovery_codes.items() if code.user_id == user_id]:
            delete(tables, "recovery_codes", key)
