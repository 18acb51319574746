"""Operations: backups, health checks and the per-update log line (no Telegram handlers here)."""
