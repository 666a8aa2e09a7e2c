"""Policy schema and loading: ``load_policy(id_or_path)``, ``list_policies()``, ``PolicyError``."""

from yibao.policy.loader import PolicyError, list_policies, load_policy, load_policy_text
from yibao.policy.model import Policy

__all__ = ["Policy", "PolicyError", "list_policies", "load_policy", "load_policy_text"]
