from .app import create_nhanh_app
from .state import NhanhState

__all__ = ["NhanhState", "create_nhanh_app"]
