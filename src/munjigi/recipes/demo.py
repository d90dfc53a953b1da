"""Demo data for ``flask munjigi seed-demo``: a Korean ingredient catalogue and a dozen recipes.

Prices are plausible Korean supermarket prices in won (2025), each for the quantity a shop
sells or labels ("100 g당"). Seeding is idempotent: ingredients are matched by name, the
demo member by username and recipes by title, and only what is missing is added.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from munjigi.auth import services as members
from munjigi.extensions import db
from munjigi.recipes import services
from munjigi.recipes.models import Ingredient
from munjigi.recipes.models import Recipe
from munjigi.recipes.models import RecipeLike

DEMO_USERNAME = "hankki_demo"
DEMO_EMAIL = "hankki_demo@example.com"
# Members who like demo recipes (taster k likes every (k+1)-th recipe): 1 to 3 likes each.
TASTERS = 3
TASTER_PREFIX = "hankki_taster_"

# name, price (won), unit (the quantity that price buys), unit label
CATALOGUE: list[tuple[str, int, str, str]] = [
    # 고기 · 해산물
    ("돼지고기 앞다리살", 1590, "100", "g"),
    ("돼지고기 삼겹살", 2890, "100", "g"),
    ("돼지고기 목살", 2690, "100", "g"),
    ("돼지고기 다짐육", 1390, "100", "g"),
    ("소고기 국거리(양지)", 4480, "100", "g"),
    ("소고기 불고기용", 3880, "100", "g"),
    ("닭볶음탕용 닭", 7990, "1", "마리"),
    ("닭가슴살", 1190, "100", "g"),
    ("닭다리살", 1290, "100", "g"),
    ("고등어", 3900, "1", "마리"),
    ("오징어", 5500, "1", "마리"),
    ("냉동 새우", 2490, "100", "g"),
    ("바지락", 1190, "100", "g"),
    ("국물용 멸치", 1990, "100", "g"),
    ("참치캔", 2780, "1", "캔"),
    ("사각어묵", 990, "100", "g"),
    ("마른미역", 2980, "50", "g"),
    ("다시마", 3480, "100", "g"),
    ("조미김", 550, "1", "봉"),
    # 채소 · 버섯
    ("배추", 4480, "1", "포기"),
    ("배추김치", 9900, "1000", "g"),
    ("무", 2480, "1", "개"),
    ("양파", 3490, "1500", "g"),
    ("대파", 2990, "1", "단"),
    ("쪽파", 3480, "1", "단"),
    ("깐마늘", 1190, "100", "g"),
    ("생강", 1490, "100", "g"),
    ("감자", 4490, "1000", "g"),
    ("고구마", 5490, "1000", "g"),
    ("당근", 1190, "1", "개"),
    ("애호박", 1490, "1", "개"),
    ("오이", 990, "1", "개"),
    ("청양고추", 1490, "100", "g"),
    ("풋고추", 1190, "100", "g"),
    ("홍고추", 1490, "100", "g"),
    ("시금치", 2480, "300", "g"),
    ("콩나물", 1490, "300", "g"),
    ("숙주나물", 1290, "300", "g"),
    ("깻잎", 990, "30", "장"),
    ("상추", 1980, "200", "g"),
    ("양배추", 3480, "1", "통"),
    ("표고버섯", 2980, "200", "g"),
    ("팽이버섯", 890, "150", "g"),
    ("느타리버섯", 2480, "300", "g"),
    ("부추", 1980, "200", "g"),
    ("브로콜리", 2480, "1", "송이"),
    ("파프리카", 1490, "1", "개"),
    # 달걀 · 두부 · 유제품
    ("달걀", 7990, "30", "개"),
    ("두부", 1980, "300", "g"),
    ("순두부", 1290, "350", "g"),
    ("우유", 2890, "1000", "ml"),
    ("버터", 8980, "450", "g"),
    ("모차렐라 치즈", 8480, "500", "g"),
    # 곡류 · 면 · 떡
    ("쌀", 61900, "20000", "g"),
    ("찹쌀", 5980, "1000", "g"),
    ("중력밀가루", 2480, "1000", "g"),
    ("부침가루", 2980, "1000", "g"),
    ("튀김가루", 3180, "1000", "g"),
    ("떡볶이떡", 2980, "500", "g"),
    ("떡국떡", 3980, "1000", "g"),
    ("당면", 4480, "500", "g"),
    ("소면", 2980, "900", "g"),
    ("라면", 4480, "5", "개"),
    ("식빵", 3480, "1", "봉"),
    # 양념
    ("고추장", 8480, "1000", "g"),
    ("된장", 6980, "1000", "g"),
    ("진간장", 6480, "900", "ml"),
    ("국간장", 5480, "900", "ml"),
    ("고춧가루", 14900, "500", "g"),
    ("설탕", 2980, "1000", "g"),
    ("천일염", 3980, "1000", "g"),
    ("참기름", 8980, "300", "ml"),
    ("들기름", 10900, "300", "ml"),
    ("식용유", 7980, "1800", "ml"),
    ("식초", 2480, "900", "ml"),
    ("맛술", 3480, "900", "ml"),
    ("올리고당", 3980, "1200", "g"),
    ("볶음참깨", 4980, "200", "g"),
    ("후추", 3480, "50", "g"),
    ("새우젓", 5980, "250", "g"),
    ("멸치액젓", 4480, "800", "ml"),
    ("굴소스", 4480, "500", "g"),
    ("카레가루", 2480, "100", "g"),
]

# title, servings, content, [(ingredient name, quantity in its unit label)]
# fmt: off
RECIPES: list[tuple[str, int, str, list[tuple[str, str]]]] = [
    ("돼지고기 김치찌개", 2, "돼지고기와 김치를 볶다가 물을 붓고 두부와 대파를 넣어 끓인다.",
     [("배추김치", "300"), ("돼지고기 앞다리살", "200"), ("두부", "150"), ("양파", "100"),
      ("대파", "0.3"), ("고춧가루", "5"), ("깐마늘", "10")]),
    ("된장찌개", 2, "멸치 육수에 된장을 풀고 감자, 애호박, 두부를 차례로 넣어 끓인다.",
     [("된장", "40"), ("국물용 멸치", "10"), ("애호박", "0.5"), ("두부", "150"),
      ("감자", "150"), ("양파", "80"), ("청양고추", "10"), ("대파", "0.2")]),
    ("제육볶음", 2, "고추장 양념에 재운 돼지고기를 양파, 대파와 센 불에 볶는다.",
     [("돼지고기 앞다리살", "400"), ("고추장", "40"), ("고춧가루", "10"), ("진간장", "15"),
      ("설탕", "15"), ("양파", "150"), ("대파", "0.3"), ("깐마늘", "15"), ("참기름", "5")]),
    ("계란말이", 2, "달걀물에 다진 당근과 파를 섞어 약한 불에서 조금씩 말아 익힌다.",
     [("달걀", "4"), ("당근", "0.3"), ("대파", "0.1"), ("천일염", "2"), ("식용유", "10")]),
    ("국물 떡볶이", 3, "멸치 육수에 고추장 양념을 풀고 떡과 어묵을 넣어 졸인다.",
     [("떡볶이떡", "400"), ("사각어묵", "200"), ("고추장", "50"), ("고춧가루", "10"),
      ("설탕", "30"), ("대파", "0.5"), ("달걀", "3"), ("국물용 멸치", "10")]),
    ("소고기 미역국", 4, "불린 미역과 소고기를 참기름에 볶고 물을 부어 푹 끓인다.",
     [("마른미역", "20"), ("소고기 국거리(양지)", "200"), ("국간장", "30"), ("참기름", "10"),
      ("깐마늘", "10")]),
    ("김치볶음밥", 1, "다짐육과 김치를 볶다가 밥을 넣고 볶아 달걀 프라이를 올린다.",
     [("쌀", "150"), ("배추김치", "100"), ("돼지고기 다짐육", "50"), ("달걀", "1"),
      ("식용유", "10"), ("참기름", "3")]),
    ("잡채", 4, "삶은 당면에 따로 볶은 고기와 채소를 간장 양념으로 버무린다.",
     [("당면", "200"), ("소고기 불고기용", "150"), ("시금치", "150"), ("당근", "0.5"),
      ("양파", "100"), ("표고버섯", "60"), ("진간장", "45"), ("설탕", "20"),
      ("참기름", "15"), ("볶음참깨", "5")]),
    ("닭볶음탕", 4, "데친 닭에 감자, 당근과 고추장 양념을 넣고 국물이 자작해질 때까지 끓인다.",
     [("닭볶음탕용 닭", "1"), ("감자", "400"), ("당근", "1"), ("양파", "200"),
      ("고추장", "40"), ("고춧가루", "20"), ("진간장", "45"), ("설탕", "15"),
      ("대파", "0.5"), ("깐마늘", "20")]),
    ("부추전", 2, "부추와 청양고추를 반죽에 섞어 기름 두른 팬에 얇게 부친다.",
     [("부추", "150"), ("부침가루", "150"), ("청양고추", "10"), ("식용유", "30")]),
    ("콩나물국", 3, "멸치 육수에 콩나물을 넣고 뚜껑을 덮어 끓인 뒤 새우젓으로 간한다.",
     [("콩나물", "300"), ("국물용 멸치", "15"), ("대파", "0.2"), ("깐마늘", "10"),
      ("새우젓", "10")]),
    ("고등어 무조림", 3, "무를 깔고 고등어를 올려 간장 양념을 끼얹으며 졸인다.",
     [("고등어", "2"), ("무", "0.5"), ("진간장", "60"), ("고춧가루", "15"), ("설탕", "10"),
      ("양파", "100"), ("대파", "0.3"), ("깐마늘", "15")]),
]
# fmt: on


@dataclass(frozen=True)
class SeedReport:
    """What one run added (zeros on a second run) and the demo member's details."""

    ingredients_added: int
    ingredients_total: int
    recipes_added: int
    username: str
    user_id: int
    password: str | None  # only when this run created the member


def seed(password: str | None = None) -> SeedReport:
    """Add whatever part of the demo catalogue, member and recipes is missing."""
    added = _ensure_catalogue()
    user_id, created_password = _ensure_member(password)
    recipes_added = _ensure_recipes(user_id)
    _ensure_likes(user_id)
    total = len(services.catalogue())
    return SeedReport(added, total, recipes_added, DEMO_USERNAME, user_id, created_password)


def _ensure_likes(owner_id: int) -> None:
    """A few demo tasters like some recipes, so "most liked" has something to rank.

    Their passwords are random and never shown: nobody signs in as a taster.
    """
    rows = db.session.execute(select(Recipe.title, Recipe.id).where(Recipe.user_id == owner_id))
    recipes = {title: recipe_id for title, recipe_id in rows}
    for number in range(1, TASTERS + 1):
        username = f"{TASTER_PREFIX}{number}"
        taster = members.find_by_login(username)
        if taster is None:
            email = f"{username}@example.com"
            taster = members.create_user(username, secrets.token_urlsafe(24), email)
        liked = set(
            db.session.scalars(select(RecipeLike.recipe_id).where(RecipeLike.user_id == taster.id))
        )
        for index, (title, *_rest) in enumerate(RECIPES):
            recipe_id = recipes.get(title)
            if recipe_id is not None and index % (number + 1) == 0 and recipe_id not in liked:
                db.session.add(RecipeLike(user_id=taster.id, recipe_id=recipe_id))
    db.session.commit()


def _ensure_catalogue() -> int:
    existing = set(db.session.scalars(select(Ingredient.name)))
    missing = [row for row in CATALOGUE if row[0] not in existing]
    for name, price, unit, label in missing:
        db.session.add(
            Ingredient(name=name, price=Decimal(price), unit=Decimal(unit), unit_label=label)
        )
    db.session.commit()
    return len(missing)


def _ensure_member(password: str | None) -> tuple[int, str | None]:
    user = members.find_by_login(DEMO_USERNAME)
    if user is not None:
        return user.id, None
    password = password or secrets.token_urlsafe(18)
    user = members.create_user(DEMO_USERNAME, password, DEMO_EMAIL)
    return user.id, password


def _ensure_recipes(user_id: int) -> int:
    ids = {name: id_ for name, id_ in db.session.execute(select(Ingredient.name, Ingredient.id))}
    titles = set(db.session.scalars(select(Recipe.title).where(Recipe.user_id == user_id)))
    added = 0
    for title, servings, content, lines in RECIPES:
        if title in titles:
            continue
        body = {
            "post": {"title": title, "content": content, "servings": servings},
            "ingredients": [{"id": ids[name], "quantity": Decimal(q)} for name, q in lines],
        }
        services.create_post(user_id, body)
        added += 1
    return added
