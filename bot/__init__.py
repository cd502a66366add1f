"""Every way in and out: CLI, Telegram, web widget, staff console; the composition root."""
