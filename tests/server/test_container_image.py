"""The container image (Dockerfile) holds every file the running app reads.

The image cannot be built here (no container engine, no registry), so this reads the
Dockerfile's COPY lines and checks them against what the settings point at: a folder the app
needs but the image lacks (Spanish's compiled catalogue once was) fails here, not in production.
"""

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def copied_into_image() -> set[str]:
    """The repository paths the Dockerfile copies into its final stage (not from another stage)."""
    final_stage = (ROOT / "Dockerfile").read_text().rsplit("\nFROM ", 1)[1]
    sources = set()
    for line in final_stage.splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not any(w.startswith("--from=") for w in words):
            sources.update(w.rstrip("/") for w in words[1:-1])
    return sources


def top_level(path) -> str:
    return Path(path).resolve().relative_to(ROOT).parts[0]


def test_the_image_has_what_the_settings_read():
    needed = {
        "manage.py",
        *(top_level(d) for engine in settings.TEMPLATES for d in engine["DIRS"]),
        *(top_level(d) for d in settings.LOCALE_PATHS),
        *(top_level(d if isinstance(d, (str, Path)) else d[1]) for d in settings.STATICFILES_DIRS),
        *(
            app.split(".")[0]
            for app in settings.INSTALLED_APPS
            if (ROOT / app.split(".")[0]).is_dir()
        ),
        settings.ROOT_URLCONF.split(".")[0],
    }
    needed.discard("node_modules")  # htmx: copied from the assets stage, checked below
    assert needed <= copied_into_image(), needed - copied_into_image()


def test_the_image_copies_htmx_from_the_locked_npm_install():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "npm ci --omit=dev" in dockerfile
    assert (
        "COPY --from=assets /build/node_modules/htmx.org/dist node_modules/htmx.org/dist"
        in dockerfile
    )
