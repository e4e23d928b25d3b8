-- The "PL/pgSQL single call" comparator: route_lead's logic written as a PL/pgSQL function,
-- created in the bench database only (never part of the extension).  One call per lead, like
-- route_lead, so that the difference between the two is the cost of PL/pgSQL and SQL-level rule
-- evaluation against the C++ implementation, nothing else:
--   lock the lead FOR UPDATE SKIP LOCKED; report routed / expired / locked leads as route_lead
--   does; take the same identity advisory lock; check_cross_partner_duplicate(); evaluate the
--   source workspace's rules over the jsonb conditions (the rule language of README "Rules",
--   every operator); then the same UPDATE leads / close queue rows / INSERT routing_logs as
--   route_lead.
-- Loaded by run_bench.sh after bench/sql/dataset.sql (which creates schema bench).

\set ON_ERROR_STOP 1

-- Its answer: route_result's columns as of lead_router 0.5.0, in a type of the bench's own, so
-- that a column the extension adds to lead_router.route_result later does not break the
-- comparator (the driver reads `status` only).
CREATE TYPE bench.route_result AS (
    success                  boolean,
    status                   text,
    destination_workspace_id uuid,
    matched_rule_id          uuid,
    is_duplicate             boolean,
    duplicate_lead_id        uuid,
    error                    text,
    attempt                  integer
);

-- Compares a lead value with an operand: -1/0/1, or NULL when the types differ (numbers as
-- numbers, text case-insensitively, booleans for equality only).
CREATE FUNCTION bench.json_cmp(a jsonb, b jsonb) RETURNS integer
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    ta text := jsonb_typeof(a);
BEGIN
    IF ta IS DISTINCT FROM jsonb_typeof(b) THEN
        RETURN NULL;
    ELSIF ta = 'number' THEN
        RETURN sign(a::numeric - b::numeric)::integer;
    ELSIF ta = 'string' THEN
        RETURN CASE WHEN lower(a #>> '{}') COLLATE "C" < lower(b #>> '{}') COLLATE "C" THEN -1
                    WHEN lower(a #>> '{}') = lower(b #>> '{}') THEN 0 ELSE 1 END;
    ELSIF ta = 'boolean' THEN
        RETURN CASE WHEN a = b THEN 0 END;
    END IF;
    RETURN NULL;
END $$;

-- One operator of a predicate against the lead's value (NULL: missing).
CREATE FUNCTION bench.op_holds(op text, operand jsonb, val jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    c integer;
BEGIN
    IF op = 'exists' THEN
        RETURN (val IS NOT NULL AND jsonb_typeof(val) <> 'null') = (operand = 'true'::jsonb);
    END IF;
    IF val IS NULL OR jsonb_typeof(val) = 'null' THEN
        RETURN false;  -- a missing value satisfies nothing but exists: false
    END IF;
    CASE op
        WHEN 'eq' THEN RETURN coalesce(bench.json_cmp(val, operand) = 0, false);
        WHEN 'neq' THEN RETURN coalesce(bench.json_cmp(val, operand) <> 0, true);
        WHEN 'in' THEN
            RETURN EXISTS (SELECT 1 FROM jsonb_array_elements(operand) e
                            WHERE bench.json_cmp(val, e) = 0);
        WHEN 'not_in' THEN
            RETURN NOT EXISTS (SELECT 1 FROM jsonb_array_elements(operand) e
                                WHERE bench.json_cmp(val, e) = 0);
        WHEN 'gt' THEN c := bench.json_cmp(val, operand); RETURN coalesce(c > 0, false);
        WHEN 'gte' THEN c := bench.json_cmp(val, operand); RETURN coalesce(c >= 0, false);
        WHEN 'lt' THEN c := bench.json_cmp(val, operand); RETURN coalesce(c < 0, false);
        WHEN 'lte' THEN c := bench.json_cmp(val, operand); RETURN coalesce(c <= 0, false);
        WHEN 'between' THEN
            RETURN coalesce(bench.json_cmp(val, operand -> 0) >= 0
                            AND bench.json_cmp(val, operand -> 1) <= 0, false);
        WHEN 'prefix' THEN
            RETURN jsonb_typeof(val) = 'string'
               AND starts_with(lower(val #>> '{}'), lower(operand #>> '{}'));
        WHEN 'contains' THEN
            RETURN jsonb_typeof(val) = 'string'
               AND strpos(lower(val #>> '{}'), lower(operand #>> '{}')) > 0;
        ELSE
            RAISE EXCEPTION 'unknown operator %', op USING ERRCODE = '22023';
    END CASE;
END $$;

-- A conditions object against the lead (its row as jsonb).
CREATE FUNCTION bench.conditions_hold(conditions jsonb, lead jsonb) RETURNS boolean
    LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
    member record;
    op record;
    val jsonb;
    found_one boolean;
    alt jsonb;
BEGIN
    FOR member IN SELECT key, value FROM jsonb_each(conditions) LOOP
        IF member.key = 'any' THEN
            found_one := false;
            FOR alt IN SELECT value FROM jsonb_array_elements(member.value) LOOP
                IF bench.conditions_hold(alt, lead) THEN found_one := true; EXIT; END IF;
            END LOOP;
            IF NOT found_one THEN RETURN false; END IF;
        ELSIF member.key = 'all' THEN
            FOR alt IN SELECT value FROM jsonb_array_elements(member.value) LOOP
                IF NOT bench.conditions_hold(alt, lead) THEN RETURN false; END IF;
            END LOOP;
        ELSE
            IF starts_with(member.key, 'attributes.') THEN
                val := lead -> 'attributes' -> substr(member.key, 12);
            ELSE
                val := lead -> member.key;
            END IF;
            CASE jsonb_typeof(member.value)
                WHEN 'object' THEN
                    FOR op IN SELECT key, value FROM jsonb_each(member.value) LOOP
                        IF NOT bench.op_holds(op.key, op.value, val) THEN RETURN false; END IF;
                    END LOOP;
                WHEN 'array' THEN
                    IF NOT bench.op_holds('in', member.value, val) THEN RETURN false; END IF;
                ELSE
                    IF NOT bench.op_holds('eq', member.value, val) THEN RETURN false; END IF;
            END CASE;
        END IF;
    END LOOP;
    RETURN true;
END $$;

CREATE FUNCTION bench.plpgsql_route_lead(p_lead_id uuid, p_max_attempts integer DEFAULT 3)
    RETURNS bench.route_result
    LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp  -- as route_lead: pinned, which costs the same
    AS $$
DECLARE
    l lead_router.leads;
    rule record;
    matched record;
    v_matched boolean := false;
    v_doc jsonb;
    v_original uuid;
    v_attempt integer;
    v_due timestamptz;
    v_key integer;
    v_error text;
BEGIN
    SELECT * INTO l FROM lead_router.leads WHERE id = p_lead_id FOR UPDATE SKIP LOCKED;
    IF NOT FOUND THEN
        IF NOT EXISTS (SELECT 1 FROM lead_router.leads WHERE id = p_lead_id) THEN
            RAISE EXCEPTION 'lead % does not exist', p_lead_id USING ERRCODE = 'P0002';
        END IF;
        RETURN ROW(false, 'locked', NULL, NULL, false, NULL,
                   'lead is locked by another transaction', 0)::bench.route_result;
    END IF;

    IF l.routing_status = 'routed' THEN  -- idempotent: the recorded outcome
        IF l.duplicate_of IS NOT NULL THEN
            RETURN ROW(true, 'duplicate', NULL, NULL, true, l.duplicate_of, NULL,
                       l.routing_attempts)::bench.route_result;
        END IF;
        RETURN ROW(true, 'routed', l.workspace_id,
                   (SELECT g.matched_rule_id FROM lead_router.routing_logs g
                     WHERE g.lead_id = l.id AND g.routing_result = 'success'
                     ORDER BY g.id DESC LIMIT 1),
                   false, NULL, NULL, l.routing_attempts)::bench.route_result;
    ELSIF l.routing_status = 'expired' THEN
        RETURN ROW(false, 'expired', NULL, NULL, false, NULL, 'lead expired',
                   l.routing_attempts)::bench.route_result;
    ELSIF l.routing_status = 'routing' THEN
        IF l.routing_locked_at >= now() - current_setting('lead_router.lock_timeout')::interval THEN
            RETURN ROW(false, 'locked', NULL, NULL, false, NULL,
                       'lead is being routed under another routing lock',
                       l.routing_attempts)::bench.route_result;
        END IF;
        INSERT INTO lead_router.routing_logs
               (lead_id, source_workspace_id, routing_result, error_message, attempt)
        VALUES (l.id, l.source_workspace_id, 'released',
                'stale routing lock taken over by route_lead', l.routing_attempts);
    END IF;

    IF l.dedupe_hash IS NOT NULL THEN
        -- the identity lock route_lead takes (class "LROU", first 32 bits of the hash)
        v_key := ('x' || substr(l.dedupe_hash, 1, 8))::bit(32)::integer;
        IF NOT pg_try_advisory_xact_lock(1280462677, v_key) THEN
            RETURN ROW(false, 'locked', NULL, NULL, false, NULL,
                       'a lead with the same identity is being routed',
                       l.routing_attempts)::bench.route_result;
        END IF;
        SELECT d.id INTO v_original
          FROM lead_router.check_cross_partner_duplicate(l.dedupe_hash, l.source_workspace_id) d
         LIMIT 1;
        IF v_original IS NOT NULL THEN
            PERFORM 1 FROM lead_router.leads WHERE id = v_original FOR KEY SHARE SKIP LOCKED;
            IF NOT FOUND THEN
                RETURN ROW(false, 'locked', NULL, NULL, false, NULL,
                           'the lead it duplicates is locked by another session',
                           l.routing_attempts)::bench.route_result;
            END IF;
            v_attempt := l.routing_attempts + 1;
            UPDATE lead_router.leads
               SET routing_status = 'routed', duplicate_of = v_original,
                   workspace_id = source_workspace_id, routing_locked_by = NULL,
                   routing_locked_at = NULL, routing_error = NULL, routing_attempts = v_attempt,
                   routing_last_attempted_at = now()
             WHERE id = l.id;
            UPDATE lead_router.routing_queue SET processed_at = now()
             WHERE lead_id = l.id AND processed_at IS NULL;
            INSERT INTO lead_router.routing_logs
                   (lead_id, source_workspace_id, routing_result, error_message, attempt)
            VALUES (l.id, l.source_workspace_id, 'duplicate', 'duplicate of lead ' || v_original,
                    v_attempt);
            RETURN ROW(true, 'duplicate', NULL, NULL, true, v_original, NULL,
                       v_attempt)::bench.route_result;
        END IF;
    END IF;

    -- Rules in evaluation order; the first whose conditions hold wins.
    v_doc := to_jsonb(l);
    FOR rule IN
        SELECT r.id, r.conditions, r.destination_workspace_id
          FROM lead_router.routing_rules r
          JOIN lead_router.workspaces d ON d.id = r.destination_workspace_id
         WHERE r.workspace_id = l.source_workspace_id AND r.is_active
           AND d.is_active AND d.workspace_type = 'partner'
         ORDER BY r.priority DESC, r.created_at, r.id
    LOOP
        IF bench.conditions_hold(rule.conditions, v_doc) THEN
            matched := rule;
            v_matched := true;
            EXIT;
        END IF;
    END LOOP;

    v_attempt := l.routing_attempts + 1;
    IF v_matched THEN
        UPDATE lead_router.leads
           SET routing_status = 'routed', workspace_id = matched.destination_workspace_id,
               routing_locked_by = NULL, routing_locked_at = NULL, routing_error = NULL,
               routing_attempts = v_attempt, routing_last_attempted_at = now()
         WHERE id = l.id;
        UPDATE lead_router.routing_queue SET processed_at = now()
         WHERE lead_id = l.id AND processed_at IS NULL;
        INSERT INTO lead_router.routing_logs (lead_id, source_workspace_id,
               destination_workspace_id, matched_rule_id, routing_result, attempt)
        VALUES (l.id, l.source_workspace_id, matched.destination_workspace_id, matched.id,
                'success', v_attempt);
        RETURN ROW(true, 'routed', matched.destination_workspace_id, matched.id, false, NULL,
                   NULL, v_attempt)::bench.route_result;
    END IF;

    v_error := 'no matching rule';
    IF v_attempt < p_max_attempts THEN
        -- backoff 1 min, 5 min, 15 min, then 1 h, with +/-10 % jitter
        v_due := transaction_timestamp() + (ARRAY[60, 300, 900, 3600])[least(v_attempt, 4)]
                 * (0.9 + 0.2 * random()) * interval '1 second';
        UPDATE lead_router.leads
           SET routing_status = 'pending', routing_locked_by = NULL, routing_locked_at = NULL,
               routing_error = v_error, routing_attempts = v_attempt, routing_due_at = v_due,
               routing_last_attempted_at = now()
         WHERE id = l.id;
        INSERT INTO lead_router.routing_queue AS q
               (lead_id, workspace_id, attempt_number, max_attempts, next_retry_at, last_error)
        VALUES (l.id, l.source_workspace_id, v_attempt + 1, p_max_attempts, v_due, v_error)
            ON CONFLICT (lead_id) WHERE processed_at IS NULL DO UPDATE
           SET attempt_number = excluded.attempt_number, max_attempts = excluded.max_attempts,
               next_retry_at = excluded.next_retry_at, last_error = excluded.last_error;
        INSERT INTO lead_router.routing_logs
               (lead_id, source_workspace_id, routing_result, error_message, attempt)
        VALUES (l.id, l.source_workspace_id, 'no_match', v_error, v_attempt);
        RETURN ROW(false, 'queued', NULL, NULL, false, NULL, v_error,
                   v_attempt)::bench.route_result;
    END IF;

    UPDATE lead_router.leads
       SET routing_status = 'failed', routing_locked_by = NULL, routing_locked_at = NULL,
           routing_error = v_error, routing_attempts = v_attempt, routing_last_attempted_at = now()
     WHERE id = l.id;
    UPDATE lead_router.routing_queue SET processed_at = now(), last_error = v_error
     WHERE lead_id = l.id AND processed_at IS NULL;
    INSERT INTO lead_router.routing_logs
           (lead_id, source_workspace_id, routing_result, error_message, attempt)
    VALUES (l.id, l.source_workspace_id, 'failed', v_error, v_attempt);
    RETURN ROW(false, 'failed', NULL, NULL, false, NULL, v_error,
               v_attempt)::bench.route_result;
END $$;
