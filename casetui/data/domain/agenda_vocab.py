"""The words of appointments and tasks: types, statuses, how often one repeats, priorities."""

from __future__ import annotations

APPOINTMENT_KINDS: dict[str, str] = {
    "home_visit": "Home visit",
    "office": "Office",
    "phone": "Phone",
    "video": "Video",
    "accompany": "Accompany",
    "court": "Court",
    "other": "Other",
}
APPOINTMENT_STATUSES: dict[str, str] = {
    "scheduled": "Scheduled",
    "attended": "Attended",
    "no_show": "No-show",
    "cancelled_client": "Cancelled by client",
    "cancelled_worker": "Cancelled by worker",
    "rescheduled": "Rescheduled",
}
RECURRENCES: dict[str, str] = {"weekly": "Every week", "biweekly": "Every two weeks", "monthly": "Every month"}
TASK_PRIORITIES: dict[str, str] = {"high": "High", "normal": "Normal", "low": "Low"}
