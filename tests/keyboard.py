"""Driving a page in the browser tests with the keyboard alone."""

from __future__ import annotations

from playwright.sync_api import Page


def tab_to(page: Page, selector: str) -> None:
    """Press Tab until the element matching this CSS selector has the focus."""
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"Tab never reached {selector!r}")


def press_and_load(page: Page, key: str = "Enter") -> None:
    with page.expect_navigation():
        page.keyboard.press(key)
