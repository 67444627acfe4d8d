"""What the phone-layout tests share: the phone's window and how far a page sticks out of it."""

from __future__ import annotations

from typing import Any

PHONE = {"width": 390, "height": 844}


def overflow(page: Any) -> dict[str, Any]:
    """How far the page is wider than the window, and the widest elements sticking out (for the message)."""
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const culprits = [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > width + 0.5)
            .filter(e => !(e.parentElement && e.parentElement.getBoundingClientRect().right > width + 0.5))
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : '')
                + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');
        return {scroll: document.documentElement.scrollWidth, inner: width, culprits};
    }""")
