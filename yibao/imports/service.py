"""``Services.imports``: department lists through the services container.

``ImportService(services).identities(path, department=..., batch=...)`` runs
``yibao.imports.identities.import_identities`` in one transaction with the
container's clerk, device, clock and policy (for department codes such as 眉山's
``2303``). Wire it in ``Services.__init__`` as ``self.imports = ImportService(self)``.
"""

from __future__ import annotations

from pathlib import Path

from yibao.identities import Identity
from yibao.imports.enrolments import CHUNK, EnrolmentImportReport, import_enrolments
from yibao.imports.identities import ImportReport, Progress, import_identities
from yibao.imports.vocabulary import policy_department_codes
from yibao.services.base import ServiceBase


class ImportService(ServiceBase):
    def identities(
        self,
        path: Path | str,
        *,
        department: str,
        batch: str,
        default_identity: Identity | str | None = None,
        dry_run: bool = False,
        progress: Progress | None = None,
    ) -> ImportReport:
        """Check and import a list of special identities; see ``import_identities``.

        Raises ``yibao.imports.errors.ImportFileError`` (Chinese ``message``) when the
        file as a whole cannot be used; refused rows are in ``report.problems``.
        """
        with self.transaction() as session:
            report = import_identities(
                session,
                path,
                department=department,
                batch=batch,
                actor=self.actor,
                now=self.now(),
                today=self.today(),
                department_codes=policy_department_codes(self.policy),
                default_identity=default_identity,
                dry_run=dry_run,
                progress=progress,
            )
            if dry_run:
                session.rollback()
            return report

    def enrolments(
        self,
        path: Path | str,
        *,
        year: int,
        dry_run: bool = False,
        chunk_size: int = CHUNK,
        progress: Progress | None = None,
    ) -> EnrolmentImportReport:
        """Load a previous year's payer list (``import_enrolments``) in one transaction.

        All or nothing: when any row has a problem (``report.problems``, each naming its row
        and column) nothing is written, whatever chunk the bad row was in. Raises
        ``ImportFileError`` (Chinese ``message``) when the file as a whole cannot be used.
        """
        with self.transaction() as session:
            report = import_enrolments(
                session,
                path,
                year=year,
                actor=self.actor,
                now=self.now(),
                before_year=self._services.benefit_year,
                today=self.today(),
                chunk_size=chunk_size,
                progress=progress,
            )
            if dry_run or report.problems:
                session.rollback()
                report.batch_id = None
            return report
