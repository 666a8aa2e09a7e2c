"""Reports of the coverage drive (征缴进度、台账、周报). Set-based SQL over the registry;
each returns plain dataclasses that the CLI, the desk (F7) and the workbook writers share.

- ``progress``: target, paid, rate, change in a week, by county / town / village, and each
  special group's rate by identity.
- ``ledgers``: the four ledgers of people not yet paid, and the subsidy ledger.
- ``weekly``: the Friday report (this week, to date, refunds, against target).
"""
