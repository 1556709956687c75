-- 580_annotations.sql — notes on the MRR chart (docs/api/revenue.md "Annotations"): a feature
-- launch, a campaign, an incident, anything the CEO wants to see beside the line.  Written only
-- by the CEO through services/revenue/annotations.sql (each change with its audit row); campaign
-- start dates (campaigns.started_on) are shown beside them without being stored here.
-- Configuration, not business data: northstar_app may write it (990_roles.sql grants the
-- services' own tables), and api.has_data() does not count it.
SET client_min_messages = warning;

CREATE TABLE IF NOT EXISTS annotations (
    id          serial PRIMARY KEY,
    day         date NOT NULL CHECK (day BETWEEN DATE '2000-01-01' AND DATE '2999-12-31'),
    kind        text NOT NULL CHECK (kind IN ('launch', 'campaign', 'incident', 'other')),
    text        text NOT NULL CHECK (length(text) BETWEEN 1 AND 200),
    created_at  timestamptz NOT NULL DEFAULT now(),
    created_by  int REFERENCES app_users(id) ON DELETE SET NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  int REFERENCES app_users(id) ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS annotations_day_idx ON annotations (day);
