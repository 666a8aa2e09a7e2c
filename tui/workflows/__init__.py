"""One package per desk workflow (screens, their widgets and messages)."""
