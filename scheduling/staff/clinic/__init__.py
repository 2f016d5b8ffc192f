"""The clinic admin's console: availability, booking pages and plans, the attendance report."""
