"""Drives annals-api's web page in a real headless Chromium (Debian's chromium and chromium-driver, selenium).

Usage: web_page.py BASE_URL SCREENSHOT.png
Searches a world, reads its story, looks up a concept, and saves a screenshot of the search results.
Prints what it saw; exits 1 naming the first step that failed.
"""
import json
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as conditions
from selenium.webdriver.support.ui import Select, WebDriverWait


def main(base_url, screenshot):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000"):
        options.add_argument(argument)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    seen = {}
    try:
        wait = WebDriverWait(browser, 20)
        browser.get(base_url + "/")
        wait.until(lambda b: len(Select(b.find_element(By.ID, "world")).options) > 1)
        worlds = [o.get_attribute("value") for o in Select(browser.find_element(By.ID, "world")).options]
        seen["worlds"] = worlds
        assert "cindermoor" in worlds, f"the world list lacks cindermoor: {worlds}"
        Select(browser.find_element(By.ID, "world")).select_by_value("cindermoor")

        browser.find_element(By.ID, "q").send_keys("who keeps the lamps lit in Slagholm")
        browser.find_element(By.CSS_SELECTOR, "#search-form button").click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "#search-results .hit")))
        hits = browser.find_elements(By.CSS_SELECTOR, "#search-results .hit")
        seen["hits"] = [h.find_element(By.TAG_NAME, "h3").text for h in hits]
        assert len(hits) >= 3, f"expected search hits, got {seen['hits']}"
        metas = [h.find_element(By.CLASS_NAME, "meta").text for h in hits]
        assert all("cindermoor" in m or "global" in m for m in metas), f"a hit from another world: {metas}"
        browser.save_screenshot(screenshot)

        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=story]").click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "#story-events .event")))
        events = browser.find_elements(By.CSS_SELECTOR, "#story-events .event h3")
        seen["story"] = [e.text for e in events]
        assert events[0].text.startswith("#1 "), f"the story starts elsewhere: {seen['story'][:3]}"

        browser.find_element(By.CSS_SELECTOR, "nav button[data-tab=concepts]").click()
        browser.find_element(By.ID, "concept").send_keys("tamsin-ashe")
        browser.find_element(By.CSS_SELECTOR, "#concept-form button").click()
        wait.until(conditions.presence_of_element_located((By.CSS_SELECTOR, "#concept-view h2")))
        seen["concept"] = browser.find_element(By.CSS_SELECTOR, "#concept-view h2").text
        seen["related"] = len(browser.find_elements(By.CSS_SELECTOR, "#concept-view .related"))
        assert "Tamsin" in seen["concept"], f"the concept view shows {seen['concept']}"
        assert seen["related"] > 0, "no related concepts shown"
        errors = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".error")]
        assert not errors, f"the page shows errors: {errors}"
    except Exception as error:  # report what was seen with the failure
        print(json.dumps(seen, indent=1))
        print(f"web page check failed: {error!r}", file=sys.stderr)
        return 1
    finally:
        browser.quit()
    print(json.dumps(seen, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
