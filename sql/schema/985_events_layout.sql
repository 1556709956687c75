-- 985_events_layout.sql — the triggers of events for its layout (021_events_shards.sql), after
-- 030_rollups.sql and 570_live.sql have made its transition-table triggers again: with shards,
-- those give way to the capture that works over foreign partitions.
SET client_min_messages = warning;
SELECT events_triggers_for_layout();
