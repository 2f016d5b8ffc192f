"""The clinic console's pages: availability, attendance report, booking pages, plans."""
