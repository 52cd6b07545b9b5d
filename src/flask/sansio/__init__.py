"""Registration logic shared by the app and blueprints, free of I/O and globals."""
