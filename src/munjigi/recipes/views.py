"""The recipe pages of SPEC §5: browse, read, write, comment and like, on the API's services.

Every page is a plain form (CSRF field, 303 after a POST) that works without script;
``static/js/recipes.js`` only enhances: it asks ``/recipes/price`` for the server's cost
of one meal while the member types. Prices come from ``pricing`` through the same services
as ``/posts``; nothing here does arithmetic of its own.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import Blueprint
from flask import Flask
from flask import request
from flask import url_for
from flask_babel import gettext as _

from munjigi import pages
from munjigi.extensions import db
from munjigi.recipes import comments
from munjigi.recipes import forms
from munjigi.recipes import pricing
from munjigi.recipes import services
from munjigi.recipes.exceptions import CommentNotFoundError
from munjigi.recipes.exceptions import DuplicateLikeError
from munjigi.recipes.exceptions import LikeNotFoundError
from munjigi.reports import charts
from munjigi.reports import figures
from munjigi.reports import recipe_costs
from munjigi.security import policy

bp = Blueprint("recipe_pages", __name__, url_prefix="/recipes")
policy.declare(bp, kind=policy.PAGE)  # what its routes are, unless a route says

PAGE_SIZE = 20
MAX_QUERY = 100


def init_app(app: Flask) -> None:
    """Register the pages; errors on them are pages too (errors.wants_json_response)."""
    app.register_blueprint(bp)


@bp.get("")
@pages.page
def browse() -> Any:
    # Control characters (NUL above all: PostgreSQL refuses it) never reach the search.
    typed = request.args.get("q", "")[:MAX_QUERY]
    query = "".join(c for c in typed if c.isprintable()).strip()
    page_no = _int_arg("page", 1, services_max=100_000)
    found = services.list_posts(page_no, PAGE_SIZE, query)
    last = max(1, -(-found.total // PAGE_SIZE))
    return pages.render(
        "recipes/browse.html", page=found, query=query, last_page=last, whole=pricing.won
    )


@bp.get("/<int:post_id>")
@pages.page
def read(post_id: int) -> Any:
    return _read_page(post_id)


@bp.route("/new", methods=["GET", "POST"])
@pages.page
def create() -> Any:
    if request.method == "GET":
        return _form_page(forms.RecipeForm(), None)
    typed = forms.parse(request.form, services.catalogue())
    if request.form.get("action", "save") != "save" or typed.body is None:
        return _form_page(typed, None, _status(typed))
    recipe = services.create_post(pages.principal().user_id, typed.body)
    return pages.see_other(url_for("recipe_pages.read", post_id=recipe.id, notice="created"))


@bp.route("/<int:post_id>/edit", methods=["GET", "POST"])
@pages.page
def edit(post_id: int) -> Any:
    view = services.edit_form(pages.principal(), post_id)  # 404, or 403 for anyone but the author
    if request.method == "GET":
        recipe = view.recipe
        typed = forms.from_post(recipe.title, recipe.content, recipe.servings, view.lines)
        return _form_page(typed, post_id)
    typed = forms.parse(request.form, services.catalogue())
    if request.form.get("action", "save") != "save" or typed.body is None:
        return _form_page(typed, post_id, _status(typed))
    services.update_post(pages.principal(), post_id, typed.body)
    return pages.see_other(url_for("recipe_pages.read", post_id=post_id, notice="saved"))


@bp.route("/<int:post_id>/delete", methods=["GET", "POST"])
@pages.page
def delete(post_id: int) -> Any:
    recipe = services.get_recipe(post_id, pages.principal(), admin_may=True)
    if request.method == "GET":
        return pages.render("recipes/delete.html", recipe=recipe)
    services.delete_post(pages.principal(), post_id)
    return pages.see_other(url_for("recipe_pages.browse", notice="deleted"))


@bp.get("/price")
@pages.page
def price() -> Any:
    """The cost of one meal of the recipe being typed, as an HTML fragment (for the script)."""
    typed = forms.parse(request.args, services.catalogue())
    return pages.render("recipes/_price.html", estimate=_estimate(typed))


@bp.post("/<int:post_id>/likes")
@pages.page
def like(post_id: int) -> Any:
    try:
        if request.form.get("action") == "unlike":
            services.unlike_post(pages.principal(), post_id)
        else:
            services.like_post(pages.principal(), post_id)
    except (DuplicateLikeError, LikeNotFoundError):
        pass  # a second click of the same button (or another tab): already as wanted
    return pages.see_other(url_for("recipe_pages.read", post_id=post_id) + "#likes")


@bp.post("/<int:post_id>/comments")
@pages.page
def comment(post_id: int) -> Any:
    content = request.form.get("content", "")
    if not content.strip() or len(content) > 2000 or "\x00" in content:
        errors = {"content": [_("Write a comment of 1 to 2,000 characters.")]}
        return _read_page(post_id, errors, HTTPStatus.UNPROCESSABLE_ENTITY, content)
    made = comments.create_comment(pages.principal(), post_id, content)
    return pages.see_other(url_for("recipe_pages.read", post_id=post_id) + f"#comment-{made.id}")


@bp.post("/<int:post_id>/comments/<int:comment_id>")
@pages.page
def change_comment(post_id: int, comment_id: int) -> Any:
    found = comments.get_comment(comment_id)
    if found.recipe_id != post_id:
        raise CommentNotFoundError()
    if request.form.get("action") == "delete":
        comments.delete_comment(pages.principal(), comment_id)
        return pages.see_other(url_for("recipe_pages.read", post_id=post_id) + "#comments")
    content = request.form.get("content", "")
    if not content.strip() or len(content) > 2000 or "\x00" in content:
        errors = {f"comment-{comment_id}": [_("Write a comment of 1 to 2,000 characters.")]}
        return _read_page(post_id, errors, HTTPStatus.UNPROCESSABLE_ENTITY, editing=comment_id)
    comments.update_comment(pages.principal(), comment_id, content)
    return pages.see_other(url_for("recipe_pages.read", post_id=post_id) + f"#comment-{comment_id}")


def _read_page(
    post_id: int,
    errors: dict[str, list[str]] | None = None,
    status: int = HTTPStatus.OK,
    draft: str = "",
    editing: int | None = None,
) -> Any:
    post, thread = comments.read_post(post_id)
    found = recipe_costs.breakdown(db.session(), post_id)
    me = pages.principal()
    liked = services.has_liked(me.user_id, post_id)
    if editing is None:
        editing = _int_arg("edit", 0, services_max=2**31 - 1) or None
    return pages.render(
        "recipes/read.html",
        status,
        post=post,
        thread=thread,
        chart=charts.page(charts.stacked, figures.breakdown(found))
        if found and found.lines
        else None,
        breakdown=found,
        liked=liked,
        mine=post.recipe.user_id == me.user_id,
        may_delete=post.recipe.user_id == me.user_id or me.is_admin,
        errors=errors or {},
        draft=draft,
        editing=editing,
        notice=request.args.get("notice", ""),
        whole=pricing.won,
    )


def _form_page(typed: forms.RecipeForm, post_id: int | None, status: int = HTTPStatus.OK) -> Any:
    extra = forms.BLANK_LINES + (3 if request.form.get("action") == "add_line" else 0)
    catalogue = services.catalogue()
    return pages.render(
        "recipes/form.html",
        status,
        form=typed,
        lines=typed.padded(extra),
        post_id=post_id,
        catalogue=catalogue,
        units={i.name: i.unit_label for i in catalogue},
        estimate=_estimate(typed),
        whole=pricing.won,
    )


def _estimate(typed: forms.RecipeForm) -> dict[str, Any]:
    """The server's price of what was typed so far (its valid lines)."""
    catalogue = {i.name: i for i in services.catalogue()}
    lines = []
    entries = {}
    for line in typed.lines:
        ingredient = catalogue.get(line.name)
        if ingredient is None or line.error:
            continue
        try:
            quantity = pricing.parse_quantity(line.quantity)
        except pricing.QuantityError:
            continue
        lines.append((ingredient.id, quantity))
        entries[ingredient.id] = pricing.CatalogueEntry(ingredient.price, ingredient.unit)
    servings = forms.servings_or_one(typed.servings)
    priced = pricing.price_recipe(lines, entries, servings)
    return {
        "per_meal": pricing.won(priced.per_meal),
        "total": pricing.won(priced.total),
        "servings": servings,
        "lines": len(lines),
    }


def _status(typed: forms.RecipeForm) -> int:
    """422 when a save failed; a preview ("Update cost", "Add lines") is a normal page."""
    if request.form.get("action", "save") != "save" or typed.body is not None:
        return HTTPStatus.OK
    return HTTPStatus.UNPROCESSABLE_ENTITY


def _int_arg(name: str, default: int, services_max: int) -> int:
    raw = request.args.get(name, "")
    return (
        int(raw) if raw.isdigit() and len(raw) < 10 and 1 <= int(raw) <= services_max else default
    )
