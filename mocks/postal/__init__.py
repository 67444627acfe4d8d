"""The public postal service (VNPost, Bưu chính công ích): orders, waybills, tracking, delivery webhooks."""
