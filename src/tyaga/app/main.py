"""The Streamlit script of the workbench: ``streamlit run`` this file (``tyaga app`` does it for you)."""

from tyaga.app.pages import main

main()
