"""The rules engine: pure functions, a policy and facts and a date in, a Decision out.

Nothing in this package reads the clock, a database or a screen.
"""

# Public rule functions. Rule modules import yibao.policy only under TYPE_CHECKING:
# yibao.policy.model imports yibao.rules.decision/facts, so a rule module that imported
# yibao.policy at run time would make ``import yibao.policy`` circular through this file.
from yibao.rules.assess import EnrolmentAssessment, assess_enrolment  # noqa: F401
from yibao.rules.coverage import CoverageDecision, coverage  # noqa: F401
from yibao.rules.newborn import NewbornDecision, newborn  # noqa: F401
from yibao.rules.waiting import WaitingPeriod, waiting_period  # noqa: F401
from yibao.rules.windows import WindowDecision, payment_window  # noqa: F401
