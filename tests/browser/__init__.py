"""End-to-end tests: headless Chromium against a real `streamlit run`."""
