"""Which blocks the host's layout (``CITIZENCARE_BASE_TEMPLATE``) offers our pages.

Our pages fill four blocks of the layout: ``title``, ``head`` (stylesheets),
``content`` and ``scripts``. Jinja drops a block the layout does not define
without a word, so a layout with only ``content`` used to show our pages with no
CSS, no JavaScript and no map. Here the layout is parsed once per app with the
app's own Jinja environment (following its ``{% extends %}`` chain) and:

- one warning names the missing blocks and what happens without them;
- ``citizencare/_page.html``, the template every page of ours extends, asks
  :func:`layout_lacks` and puts our head content at the start of ``content``
  when there is no ``head`` block, and our scripts at its end when there is no
  ``scripts`` block (a ``<link rel="stylesheet">`` in the body is valid HTML and
  works). A missing ``title`` cannot be made up for: the layout's own title stays.

The check runs at the end of ``init_app`` when the layout can already be found,
otherwise on the first request to our pages (a host may register the blueprint
holding its layout after us). :func:`layout_report` inspects the layout afresh,
for diagnostics.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Flask
from jinja2 import TemplateNotFound, TemplateSyntaxError, nodes

from .layout_assets import external_assets

log = logging.getLogger(__name__)

#: The blocks our pages fill, in the order a message names them.
BLOCKS = ("title", "head", "content", "scripts")
#: What happens on our pages without each block.
CONSEQUENCES = {
    "head": "our stylesheets go at the start of its `content` block instead",
    "scripts": "our scripts go at the end of its `content` block instead",
    "title": "our pages cannot set their <title> and keep the layout's own",
    "content": "our pages show nothing of their own",
}
#: The line to add to the layout for each block.
RECIPE = {
    "title": "{% block title %}{% endblock %} inside <title>",
    "head": "{% block head %}{% endblock %} before </head>",
    "scripts": "{% block scripts %}{% endblock %} before </body>",
    "content": "{% block content %}{% endblock %} where the page body goes",
}
_MAX_CHAIN = 20


@dataclass(frozen=True)
class LayoutReport:
    """What the layout offers. ``problem`` says why it could not be inspected, if so."""

    template: str
    #: The layout and the layouts it extends, child first.
    chain: tuple[str, ...] = ()
    blocks: frozenset[str] = frozenset()
    problem: str | None = None
    #: The layout itself was not found (as opposed to unreadable).
    not_found: bool = False
    #: ``(directive, origin)`` of the stylesheets and scripts the layout loads from other sites.
    external: tuple[tuple[str, str], ...] = ()

    @property
    def missing(self) -> tuple[str, ...]:
        """The blocks our pages fill that the layout lacks (none when it could not be inspected)."""
        if self.problem is not None:
            return ()
        return tuple(block for block in BLOCKS if block not in self.blocks)

    def lacks(self, block: str) -> bool:
        return block in self.missing

    def message(self) -> str | None:
        """One line for the log (and ``flask citizencare doctor``); None when all is well."""
        setting = f"CITIZENCARE_BASE_TEMPLATE {self.template!r}"
        if self.problem is not None:
            return f"{setting}: {self.problem}"
        if not self.missing:
            return None
        named = ", ".join(f"`{block}`" for block in self.missing)
        what = "; ".join(CONSEQUENCES[block] for block in self.missing)
        how = ", ".join(RECIPE[block] for block in self.missing)
        return (
            f"{setting} has no {named} block: {what}. To fix it add to the layout {how} "
            '(README, "Embedding it in your Flask site").'
        )


def layout_report(app: Flask) -> LayoutReport:
    """Inspect ``app``'s ``CITIZENCARE_BASE_TEMPLATE`` now, with the app's Jinja environment."""
    name = app.config["CITIZENCARE_BASE_TEMPLATE"]
    env = app.jinja_env
    chain: list[str] = []
    blocks: set[str] = set()

    def stop(problem: str, *, not_found: bool = False) -> LayoutReport:
        return LayoutReport(name, tuple(chain), frozenset(blocks), problem, not_found)

    sources: list[str] = []
    current: str | None = name
    while current is not None:
        if current in chain or len(chain) >= _MAX_CHAIN:
            return stop(f"{current!r} extends itself in a loop")
        chain.append(current)
        try:
            if env.loader is None:
                raise TemplateNotFound(current)
            source, filename, _uptodate = env.loader.get_source(env, current)
            tree = env.parse(source, current, filename)
        except TemplateNotFound:
            where = "it" if current == name else f"the layout it extends, {current!r},"
            return stop(
                f"{where} is not found in the app's templates folder nor in any registered blueprint's: "
                "our pages fail with TemplateNotFound until it is there (or the setting names another)",
                not_found=current == name,
            )
        except TemplateSyntaxError as error:
            return stop(f"{current!r} does not parse: {error}")
        sources.append(source)
        blocks.update(block.name for block in tree.find_all(nodes.Block))
        extends = tree.find(nodes.Extends)
        if extends is None:
            current = None
        elif isinstance(extends.template, nodes.Const) and isinstance(extends.template.value, str):
            current = extends.template.value
        else:
            return stop(f"{current!r} extends a computed template name, so its blocks cannot be checked")
    return LayoutReport(name, tuple(chain), frozenset(blocks), external=tuple(external_assets(sources)))
