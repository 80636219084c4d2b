"""A push button and an LED on a Raspberry Pi, through gpiozero (the only module importing it).

The button starts a session while the coach waits, and stops the one running. The LED is off
while waiting, on while the coach listens, and blinks while it speaks.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import Enum
from typing import Any, Protocol

log = logging.getLogger(__name__)

BLINK_S = 0.25
"""On and off time of the LED while the coach speaks."""

BOUNCE_S = 0.05
"""Presses closer together than this are one press."""


class Light(Enum):
    """What the LED shows."""

    OFF = "off"
    LISTENING = "listening"
    SPEAKING = "speaking"


class Panel(Protocol):
    """The button and light, or nothing."""

    on_press: Callable[[], None] | None
    """Called (from another thread) when the button is pressed."""
    light: Light
    """What the light shows now."""

    def show(self, light: Light) -> None: ...
    def close(self) -> None: ...


class NoPanel:
    """No button, no LED."""

    def __init__(self) -> None:
        self.on_press: Callable[[], None] | None = None
        self.light = Light.OFF

    def show(self, light: Light) -> None:
        """Nothing to show it on (the state is kept)."""
        self.light = light

    def close(self) -> None:
        """Nothing to release."""


class GpioPanel:
    """gpiozero Button and LED (BCM pin numbers; a pin below 0 is not fitted)."""

    def __init__(self, button_pin: int, led_pin: int, pin_factory: Any = None) -> None:
        try:
            from gpiozero import LED, Button, GPIOZeroError
        except ImportError as exc:
            from voicecoach.config import config_error
            from voicecoach.extras import install_command

            raise config_error("gpio.enabled", f"needs gpiozero ({install_command('pi')})") from exc
        self.on_press: Callable[[], None] | None = None
        self.presses = 0
        self._lock = threading.Lock()
        self._button: Any = None
        self._led: Any = None
        self.light = Light.OFF
        try:
            if button_pin >= 0:
                self._button = Button(button_pin, bounce_time=BOUNCE_S, pin_factory=pin_factory)
                self._button.when_pressed = self._pressed
            if led_pin >= 0:
                self._led = LED(led_pin, pin_factory=pin_factory)
        except (GPIOZeroError, OSError, RuntimeError) as exc:
            self.close()
            from voicecoach.config import config_error

            raise config_error(
                "gpio.enabled",
                f"cannot use GPIO pins {button_pin}/{led_pin} ({exc}); "
                "set [gpio] enabled = false on a machine without them",
            ) from exc

    def _pressed(self) -> None:
        with self._lock:
            self.presses += 1
            handler = self.on_press
        if handler is not None:
            handler()

    def show(self, light: Light) -> None:
        self.light = light
        if self._led is None:
            return
        if light is Light.OFF:
            self._led.off()
        elif light is Light.LISTENING:
            self._led.on()
        else:
            self._led.blink(on_time=BLINK_S, off_time=BLINK_S, background=True)

    def close(self) -> None:
        for device in (self._button, self._led):
            if device is not None:
                device.close()
        self._button = self._led = None


def open_panel(enabled: bool, button_pin: int, led_pin: int) -> Panel:
    """The panel the settings ask for."""
    if not enabled:
        return NoPanel()
    return GpioPanel(button_pin, led_pin)
