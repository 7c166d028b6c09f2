//! Table definitions, written by hand to match both migration folders.

diesel::table! {
    organisations (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        name_en -> Nullable<Text>,
        code -> Nullable<Text>,
        code_check_failed -> Bool,
        contact_name -> Nullable<Text>,
        contact_phone -> Nullable<Text>,
        contact_email -> Nullable<Text>,
        status -> Text,
        status_reason -> Nullable<Text>,
        status_changed_by -> Nullable<Text>,
        status_changed_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        name_skeleton -> Nullable<Text>,
        name_en_skeleton -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        organisation_id -> Text,
        email -> Text,
        display_name -> Nullable<Text>,
        password_hash -> Text,
        role -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
        email_skeleton -> Nullable<Text>,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> Text,
        secret_sealed -> Text,
        confirmed_at -> Nullable<Timestamp>,
        last_step -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    recovery_codes (id) {
        id -> Text,
        user_id -> Text,
        code_hash -> Text,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> Text,
        user_id -> Text,
        family_id -> Text,
        token_hash -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_keys (id) {
        id -> Text,
        user_id -> Text,
        organisation_id -> Text,
        name -> Text,
        prefix -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_throttle (email) {
        email -> Text,
        failures -> Integer,
        last_failure_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_log (seq) {
        seq -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_org_id -> Nullable<Text>,
        action -> Text,
        target_type -> Text,
        target_id -> Text,
        summary -> Text,
        request_id -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(api_keys -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));

diesel::table! {
    domains (code) {
        code -> Text,
        label_zh -> Text,
        label_en -> Text,
        eu_theme -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    /// Backend-specific search columns (`search_vector` on PostgreSQL,
    /// `search_rowid` on SQLite) are written in `db::backend` only.
    listings (id) {
        id -> Text,
        kind -> Text,
        name -> Text,
        title -> Text,
        title_en -> Nullable<Text>,
        summary -> Nullable<Text>,
        summary_en -> Nullable<Text>,
        domain -> Text,
        bureau_id -> Text,
        open_condition -> Text,
        open_condition_reason -> Nullable<Text>,
        legal_basis -> Nullable<Text>,
        update_frequency -> Text,
        temporal_start -> Nullable<Date>,
        temporal_end -> Nullable<Date>,
        spatial_coverage -> Nullable<Text>,
        record_count -> Nullable<BigInt>,
        data_items -> Text,
        keywords -> Text,
        formats -> Text,
        contact -> Nullable<Text>,
        licence -> Nullable<Text>,
        terms_version -> Nullable<Integer>,
        status -> Text,
        withdrawn_reason -> Nullable<Text>,
        version -> Integer,
        created_by -> Text,
        created_at -> Timestamp,
        modified_at -> Timestamp,
        published_at -> Nullable<Timestamp>,
        withdrawn_at -> Nullable<Timestamp>,
        max_grant_days -> Nullable<Integer>,
    }
}

diesel::table! {
    listing_terms (listing_id, version) {
        listing_id -> Text,
        version -> Integer,
        body -> Text,
        sha256 -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    listing_revisions (id) {
        id -> Text,
        listing_id -> Text,
        version -> Integer,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        action -> Text,
        changes -> Text,
    }
}

diesel::table! {
    listing_facets (listing_id, facet, value) {
        listing_id -> Text,
        facet -> Text,
        value -> Text,
    }
}

diesel::table! {
    distributions (id) {
        id -> Text,
        listing_id -> Text,
        name -> Text,
        description -> Nullable<Text>,
        format -> Text,
        media_type -> Text,
        access_url -> Nullable<Text>,
        object_key -> Nullable<Text>,
        byte_size -> Nullable<BigInt>,
        sha256 -> Nullable<Text>,
        file_name -> Nullable<Text>,
        uploaded_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        modified_at -> Timestamp,
        removed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    corpora (listing_id) {
        listing_id -> Text,
        modality -> Text,
        total_bytes -> Nullable<BigInt>,
        splits -> Text,
        languages -> Text,
        annotation_types -> Text,
        label_schema -> Text,
        datasheet -> Text,
        details -> Text,
        lineage_justification -> Nullable<Text>,
    }
}

diesel::table! {
    corpus_sources (corpus_id, dataset_id) {
        corpus_id -> Text,
        dataset_id -> Text,
        position -> Integer,
    }
}

diesel::joinable!(listings -> organisations (bureau_id));
diesel::joinable!(listings -> domains (domain));
diesel::joinable!(listing_terms -> listings (listing_id));
diesel::joinable!(listing_revisions -> listings (listing_id));
diesel::joinable!(listing_facets -> listings (listing_id));
diesel::joinable!(distributions -> listings (listing_id));
diesel::joinable!(corpora -> listings (listing_id));

diesel::table! {
    access_requests (id) {
        id -> Text,
        listing_id -> Text,
        enterprise_id -> Text,
        requested_by -> Text,
        purpose_category -> Text,
        purpose -> Text,
        scenario -> Text,
        distribution_ids -> Text,
        duration_days -> Integer,
        security_measures -> Text,
        terms_version -> Integer,
        terms_sha256 -> Text,
        previous_request_id -> Nullable<Text>,
        renews_grant_id -> Nullable<Text>,
        state -> Text,
        submitted_at -> Timestamp,
        review_deadline -> Timestamp,
        opinion -> Nullable<Text>,
        opinion_comment -> Nullable<Text>,
        opinion_by -> Nullable<Text>,
        opinion_at -> Nullable<Timestamp>,
        decided_at -> Nullable<Timestamp>,
        decided_by -> Nullable<Text>,
        decision_reason -> Nullable<Text>,
        override_reason -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grants (id) {
        id -> Text,
        request_id -> Text,
        enterprise_id -> Text,
        listing_id -> Text,
        distribution_ids -> Text,
        purpose_category -> Text,
        purpose -> Text,
        conditions -> Nullable<Text>,
        valid_from -> Timestamp,
        valid_until -> Timestamp,
        terms_version -> Integer,
        terms_sha256 -> Text,
        report_interval_days -> Integer,
        next_report_due -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
        revoked_by -> Nullable<Text>,
        revoke_reason -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        suspended_at -> Nullable<Timestamp>,
        suspended_by -> Nullable<Text>,
        suspension_reason -> Nullable<Text>,
    }
}

diesel::table! {
    access_log (id) {
        id -> Text,
        at -> Timestamp,
        event -> Text,
        grant_id -> Text,
        listing_id -> Text,
        enterprise_id -> Text,
        distribution_id -> Nullable<Text>,
        user_id -> Nullable<Text>,
        api_key_id -> Nullable<Text>,
        token_id -> Nullable<Text>,
        bytes -> Nullable<BigInt>,
        byte_range -> Nullable<Text>,
        client_addr -> Nullable<Text>,
        request_id -> Nullable<Text>,
        epsilon -> Nullable<Double>,
    }
}

diesel::table! {
    usage_reports (id) {
        id -> Text,
        grant_id -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
        period_start -> Date,
        period_end -> Date,
        usage -> Text,
        models -> Nullable<Text>,
        outcome -> Text,
        incident -> Nullable<Text>,
    }
}

diesel::joinable!(access_requests -> listings (listing_id));
diesel::joinable!(grants -> listings (listing_id));
diesel::joinable!(usage_reports -> grants (grant_id));

diesel::table! {
    distribution_profiles (distribution_id) {
        distribution_id -> Text,
        sha256 -> Text,
        state -> Text,
        attempts -> Integer,
        profile -> Nullable<Text>,
        error -> Nullable<Text>,
        queued_at -> Timestamp,
        started_at -> Nullable<Timestamp>,
        lease_until -> Nullable<Timestamp>,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    distribution_disclosure (distribution_id) {
        distribution_id -> Text,
        profile_public -> Bool,
        sample_public -> Bool,
        k_threshold -> Integer,
        aggregate_only -> Bool,
        declared_columns -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    aggregate_grants (grant_id) {
        grant_id -> Text,
        epsilon_budget_ue -> BigInt,
        epsilon_spent_ue -> BigInt,
        group_columns -> Text,
        queries -> Integer,
    }
}

diesel::joinable!(distribution_profiles -> distributions (distribution_id));
diesel::joinable!(distribution_disclosure -> distributions (distribution_id));
diesel::joinable!(aggregate_grants -> grants (grant_id));

diesel::allow_tables_to_appear_in_same_query!(
    distribution_profiles,
    distribution_disclosure,
    aggregate_grants,
    organisations,
    users,
    refresh_tokens,
    api_keys,
    login_throttle,
    user_totp,
    recovery_codes,
    audit_log,
    domains,
    listings,
    listing_terms,
    listing_revisions,
    listing_facets,
    distributions,
    access_requests,
    grants,
    access_log,
    usage_reports,
    corpora,
    corpus_sources,
);

diesel::table! {
    portal_sessions (id_hash) {
        id_hash -> Text,
        user_id -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_tree_nodes (level, idx) {
        level -> Integer,
        idx -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_checkpoints (id) {
        id -> BigInt,
        tree_size -> BigInt,
        root_hash -> Text,
        head_hash -> Text,
        issued_at -> Timestamp,
        key_id -> Text,
        statement -> Text,
        signature -> Text,
    }
}
