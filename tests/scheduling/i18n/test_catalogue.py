"""The Spanish catalogue (locale/es/LC_MESSAGES): complete, nothing fuzzy, placeholders intact,
and the committed .mo the same catalogue as the .po (a fresh machine needs no GNU gettext: the
compiled file is in the repository, and this test fails when someone edits one without the other).

To update after changing a text: `make messages` (needs GNU gettext's xgettext), translate the
new entries in the .po, then `make messages` again to compile the .mo."""

import gettext
import re
from pathlib import Path

import polib
from django.conf import settings

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def entries():
    return polib.pofile(str(CATALOGUE / "django.po"))


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    po = entries()
    assert len(po) > 200
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]
    assert not po.obsolete_entries(), [e.msgid for e in po.obsolete_entries()]
    assert not po.metadata_is_fuzzy


def test_translations_keep_their_placeholders():
    for entry in entries():
        sources = [entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]
        expected = set(PLACEHOLDER.findall(" ".join(sources)))
        texts = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translated in texts:
            found = set(PLACEHOLDER.findall(translated))
            # A singular may say "a minute" instead of "%(minutes)d minutes".
            assert found <= expected and (found == expected or entry.msgid_plural), entry.msgid


def test_the_committed_mo_is_the_po_compiled(tmp_path):
    fresh = tmp_path / "django.mo"
    entries().save_as_mofile(str(fresh))

    def catalogue(path: Path) -> dict:
        with path.open("rb") as file:
            messages = dict(gettext.GNUTranslations(file)._catalog)
        messages.pop("", None)  # the header: the same metadata, written by two tools
        return messages

    committed = catalogue(CATALOGUE / "django.mo")
    assert committed == catalogue(fresh), "locale/es/LC_MESSAGES/django.mo is stale: make messages"
