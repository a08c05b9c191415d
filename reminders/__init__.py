"""Reminders reach people: the scheduler that delivers them once their moment comes
(delivery.py: one pass; scheduler.py: the loop; channels.py: the live stream and mail).
Which reminders exist is todos.reminders'."""
