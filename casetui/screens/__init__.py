"""One Screen per workflow. Screens ask services in casetui.data; they hold no SQL."""
