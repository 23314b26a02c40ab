-- Schema of the example Discord ticket bot (the stack of the original
-- reset-tickets.sh ticket). Run once by the postgres image on first start.
--
-- Configuration tables (kept by a reset): servers, discord_users, developers,
-- bot_settings, ticket_categories, ticket_panel_settings.
-- Ticket data (reset): tickets, ticket_messages, ticket_resolutions,
-- ticket_audit_log, interaction_locks.
--
-- Reset tables reference configuration tables, never the other way round:
-- no kept table may reference a reset table, or TRUNCATE could not empty
-- the ticket data without CASCADE-ing into the configuration.

CREATE TABLE servers (
    id          serial PRIMARY KEY,
    guild_id    text NOT NULL UNIQUE,
    name        text NOT NULL,
    joined_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE discord_users (
    id          serial PRIMARY KEY,
    discord_id  text NOT NULL UNIQUE,
    username    text NOT NULL,
    is_bot      boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE developers (
    id          serial PRIMARY KEY,
    user_id     integer NOT NULL UNIQUE REFERENCES discord_users (id),
    access      text NOT NULL DEFAULT 'read' CHECK (access IN ('read', 'write', 'admin')),
    added_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bot_settings (
    id                  serial PRIMARY KEY,
    server_id           integer NOT NULL UNIQUE REFERENCES servers (id),
    prefix              text NOT NULL DEFAULT '!',
    log_channel_id      text,
    support_role_id     text,
    max_open_per_user   integer NOT NULL DEFAULT 3,
    auto_close_hours    integer,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ticket_categories (
    id          serial PRIMARY KEY,
    server_id   integer NOT NULL REFERENCES servers (id),
    name        text NOT NULL,
    emoji       text,
    description text,
    sort_order  integer NOT NULL DEFAULT 0,
    UNIQUE (server_id, name)
);

CREATE TABLE ticket_panel_settings (
    id          serial PRIMARY KEY,
    server_id   integer NOT NULL UNIQUE REFERENCES servers (id),
    channel_id  text,
    title       text NOT NULL DEFAULT 'Support',
    description text,
    color       text NOT NULL DEFAULT '#5865F2',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE tickets (
    id          serial PRIMARY KEY,
    server_id   integer NOT NULL REFERENCES servers (id),
    category_id integer REFERENCES ticket_categories (id),
    creator_id  integer NOT NULL REFERENCES discord_users (id),
    assignee_id integer REFERENCES discord_users (id),
    channel_id  text,
    subject     text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'closed')),
    priority    text NOT NULL DEFAULT 'normal' CHECK (priority IN ('low', 'normal', 'high', 'urgent')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    closed_at   timestamptz
);
CREATE INDEX tickets_status_idx ON tickets (status);

CREATE TABLE ticket_messages (
    id          serial PRIMARY KEY,
    ticket_id   integer NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_id   integer NOT NULL REFERENCES discord_users (id),
    content     text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ticket_messages_ticket_idx ON ticket_messages (ticket_id);

CREATE TABLE ticket_resolutions (
    id              serial PRIMARY KEY,
    ticket_id       integer NOT NULL UNIQUE REFERENCES tickets (id) ON DELETE CASCADE,
    resolved_by     integer NOT NULL REFERENCES discord_users (id),
    resolution_type text NOT NULL,
    notes           text,
    resolved_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE ticket_audit_log (
    id          serial PRIMARY KEY,
    ticket_id   integer NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    actor_id    integer REFERENCES discord_users (id),
    action      text NOT NULL,
    details     jsonb NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Short-lived locks against double clicks on Discord buttons.
CREATE TABLE interaction_locks (
    id              serial PRIMARY KEY,
    interaction_id  text NOT NULL UNIQUE,
    user_id         integer REFERENCES discord_users (id),
    action          text NOT NULL,
    locked_at       timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL DEFAULT now() + interval '30 seconds'
);
