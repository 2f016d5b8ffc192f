"""The staff console at /staff/: the clinic's calendar and daily work (desk/), and the clinic
administrator's settings (clinic/). Signed-in Django users in one of two roles (access)."""
