"""The front desk's console: the calendar, the appointment panel and its actions."""
