"""The leaderboard site and the dataset card in headless Chromium (pytest -m browser).

Sorting works (mouse and keyboard), every link and image resolves, no console errors, hostile model
names render as text, and axe-core finds no accessibility violations. Skips, saying why, when
Selenium, chromium or chromium-driver is missing (`make test` installs them where it can).
"""

import shutil
from pathlib import Path

import pytest

from cmedbench.bench.evaluator import Evaluator
from cmedbench.bench.site import write_site
from cmedbench.release.card import write_card

from .site_helpers import HOSTILE_MODEL, add_interval_records, build_ledger

pytestmark = pytest.mark.browser

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver", "chromium-driver")


def _which(names) -> str | None:
    return next((p for p in map(shutil.which, names) if p), None)


@pytest.fixture(scope="module")
def driver():
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed: pip install -e '.[browser]'")
    from selenium.common.exceptions import WebDriverException

    browser, chromedriver = _which(CHROMIUM), _which(DRIVER)
    if browser is None or chromedriver is None:
        pytest.skip("chromium or chromium-driver is not installed (`make test` installs Debian's packages with "
                    "apt-get when run as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--allow-file-access-from-files"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        d = webdriver.Chrome(options=options, service=webdriver.ChromeService(chromedriver))
    except WebDriverException as exc:
        pytest.skip(f"headless chromium would not start: {exc.msg}")
    yield d
    d.quit()


@pytest.fixture(scope="module")
def site(splits, tmp_path_factory):
    ev = Evaluator("emotion-3", "loso", splits, n_boot=50)
    board = build_ledger(ev, tmp_path_factory.mktemp("lb") / "lb")
    add_interval_records(board, tmp_path_factory.mktemp("long"))
    state = board.state()
    out = tmp_path_factory.mktemp("site") / "site"
    write_site(out, [s.record for s in state.records], state.length, state.head, state.problems,
               board.root / "predictions", None, n_perm=200)
    return out


@pytest.fixture(scope="module")
def splits(tmp_path_factory, make_splits):
    return make_splits(tmp_path_factory.mktemp("b") / "splits")


def open_page(driver, path: Path) -> list[dict]:
    """Load a page and return its console entries of level SEVERE (errors)."""
    driver.get_log("browser")  # drop what earlier pages left
    driver.get(path.resolve().as_uri())
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def column(driver, table_id: str, index: int) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.getElementById(arguments[0]).tBodies[0].rows)"
        ".map(r => r.cells[arguments[1]].getAttribute('data-value'));", table_id, index)


def test_no_console_errors_and_everything_resolves(driver, site):
    for page in sorted(site.rglob("*.html")):
        assert open_page(driver, page) == [], page.name
        broken = driver.execute_script(
            "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);")
        assert broken == [], page.name
        for href in driver.execute_script("return Array.from(document.links).map(a => a.href);"):
            if href.startswith("file://"):
                from urllib.parse import unquote, urlsplit

                target = Path(unquote(urlsplit(href).path))
                assert target.is_file(), f"{page.name} -> {href}"


def test_sorting_by_mouse_and_keyboard(driver, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    page = next((site / "boards").glob("emotion-3*.html"))
    open_page(driver, page)
    table_id = driver.find_element(By.CSS_SELECTOR, "table.sortable").get_attribute("id")
    button = driver.find_element(By.CSS_SELECTOR, "th button[data-sort='7']")  # worst-subject UAR
    button.click()
    values = [float(v) for v in column(driver, table_id, 7)]
    assert values == sorted(values, reverse=True)
    assert button.find_element(By.XPATH, "..").get_attribute("aria-sort") == "descending"
    button.send_keys(Keys.ENTER)  # keyboard: the sort control is a real button
    values = [float(v) for v in column(driver, table_id, 7)]
    assert values == sorted(values)
    model = driver.find_element(By.CSS_SELECTOR, "th button[data-sort='1']")
    model.send_keys(Keys.SPACE)
    names = column(driver, table_id, 1)
    assert names == sorted(names, key=str.lower)


def test_interval_board_sorts_by_f1(driver, site):
    from selenium.webdriver.common.by import By

    open_page(driver, next((site / "boards").glob("me-spotting-long*.html")))
    table_id = driver.find_element(By.CSS_SELECTOR, "table.sortable").get_attribute("id")
    driver.find_element(By.CSS_SELECTOR, "th button[data-sort='2']").click()  # F1 pooled
    values = [float(v) for v in column(driver, table_id, 2)]
    assert values == sorted(values, reverse=True) and len(values) == 3


def test_hostile_names_render_as_text(driver, site):
    from selenium.webdriver.common.by import By

    open_page(driver, site / "index.html")
    assert driver.execute_script("return window.pwned === undefined;")
    assert HOSTILE_MODEL in [a.text for a in driver.find_elements(By.CSS_SELECTOR, "a.model")]
    assert driver.find_elements(By.CSS_SELECTOR, "td img") == []


def test_compare_picker_shows_the_pair(driver, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    open_page(driver, next((site / "compare").glob("*.html")))
    Select(driver.find_element(By.ID, "pick-b")).select_by_index(2)
    assert driver.find_element(By.ID, "pick-result").text.startswith("A − B: UF1 ")
    assert len(driver.find_elements(By.CSS_SELECTOR, "#pairs tr.chosen")) == 1


def _axe(driver) -> list[dict]:
    axe_module = pytest.importorskip("axe_selenium_python", reason="axe-selenium-python is not installed: "
                                                                   "pip install -e '.[browser]'")
    axe = axe_module.Axe(driver)
    axe.inject()
    return axe.run()["violations"]


def test_accessibility_axe_core(driver, site):
    pages = [site / "index.html", next((site / "boards").glob("emotion-3*.html")),
             next((site / "compare").glob("*.html")), next((site / "records").glob("*.html")),
             next((site / "boards").glob("spot-then-recognize*.html"))]
    pages += [site / "records" / f"{r.stem}.html" for r in sorted((site / "records").glob("*.html"))
              if "(intervals)" in r.read_text("utf-8")][:1]
    for page in pages:
        open_page(driver, page)
        violations = _axe(driver)
        assert violations == [], f"{page.name}: " + "; ".join(f"{v['id']}: {v['help']}" for v in violations)


def test_card_in_the_browser(driver, make_release, tmp_path):
    release = make_release(tmp_path / "release")
    out = tmp_path / "card"
    write_card(release, out, profile="none")
    assert open_page(driver, out / "card.html") == []
    assert driver.execute_script("return Array.from(document.images).every(i => i.complete && i.naturalWidth > 0);")
    violations = _axe(driver)
    assert violations == [], "; ".join(f"{v['id']}: {v['help']}" for v in violations)
