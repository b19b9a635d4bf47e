//! Row-level security policies, owners and privileges.
//!
//! Roles are global to the cluster that all tests share, so every role name carries the
//! database name.

use godwit::schema::model::{Grant, Grantee, PolicyCommand};

use super::{read, role, strings, table};
use godwit_test_support::test_db;

fn grant(grantee: Grantee, grantor: &str, privileges: &[&str], with_grant_option: bool) -> Grant {
    Grant { grantee, grantor: grantor.into(), privileges: strings(privileges), with_grant_option }
}

#[tokio::test]
async fn row_level_security_policies() {
    let db = test_db().await;
    let (r1, r2) = (format!("r1_{}", db.name()), format!("r2_{}", db.name()));
    db.execute_script(&format!(
        "create role {r1}; create role {r2};
         create table secrets (id int, owner text);
         alter table secrets enable row level security;
         create policy only_positive on secrets as restrictive for update to {r2}, {r1}
             using (id > 0) with check (id < 100);
         create policy everyone on secrets for select using (true);
         create policy inserts on secrets for insert with check (owner = current_user);
         create policy anything on secrets to public, {r1};
         comment on policy everyone on secrets is 'read all';"
    ))
    .await;
    let schema = read(&db).await;
    let names: Vec<&str> = schema.policies.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["anything", "everyone", "inserts", "only_positive"]);
    let anything = &schema.policies[0];
    assert_eq!((anything.command, anything.permissive), (PolicyCommand::All, true));
    // PUBLIC includes every role, so the server keeps only PUBLIC.
    assert_eq!(anything.roles, [Grantee::Public]);
    assert_eq!((&anything.using, &anything.with_check), (&None, &None));
    let everyone = &schema.policies[1];
    assert_eq!(
        (everyone.command, everyone.roles.clone()),
        (PolicyCommand::Select, vec![Grantee::Public])
    );
    assert_eq!(everyone.using.as_deref(), Some("true"));
    assert_eq!(everyone.comment.as_deref(), Some("read all"));
    let inserts = &schema.policies[2];
    assert_eq!(inserts.command, PolicyCommand::Insert);
    assert_eq!(
        (inserts.using.as_deref(), inserts.with_check.as_deref()),
        (None, Some("(owner = CURRENT_USER)"))
    );
    let restrictive = &schema.policies[3];
    assert_eq!((restrictive.schema.as_str(), restrictive.table.as_str()), ("public", "secrets"));
    assert_eq!((restrictive.command, restrictive.permissive), (PolicyCommand::Update, false));
    assert_eq!(restrictive.roles, [role(&r1), role(&r2)]);
    assert_eq!(restrictive.using.as_deref(), Some("(id > 0)"));
    assert_eq!(restrictive.with_check.as_deref(), Some("(id < 100)"));
    assert!(table(&schema, "secrets").row_security);
    assert_eq!(schema.counts().policies, 4);
}

#[tokio::test]
async fn owners_and_grants() {
    let db = test_db().await;
    let (owner, reader) = (format!("owner_{}", db.name()), format!("reader_{}", db.name()));
    db.execute_script(&format!(
        "create role {owner}; create role {reader};
         create schema app authorization {owner};
         create table app.t (id int, secret text);
         alter table app.t owner to {owner};
         create table app.untouched (a int);
         alter table app.untouched owner to {owner};
         create view app.v as select id from app.t;
         alter view app.v owner to {owner};
         create sequence app.s;
         alter sequence app.s owner to {owner};
         create function app.f() returns int language sql as 'select 1';
         alter function app.f() owner to {owner};
         create type app.e as enum ('a');
         alter type app.e owner to {owner};
         grant usage on schema app to {reader};
         grant select, insert on app.t to {reader} with grant option;
         grant update on app.t to {reader};
         grant select (id) on app.t to {reader};
         grant select on app.v to public;
         grant usage on sequence app.s to public;
         revoke execute on function app.f() from public;
         grant execute on function app.f() to {reader};
         revoke usage on type app.e from public;"
    ))
    .await;
    let schema = read(&db).await;
    let app = schema.schemas.iter().find(|s| s.name == "app").unwrap();
    assert_eq!(app.owner, owner);
    assert_eq!(
        app.privileges,
        Some(vec![
            grant(role(&owner), &owner, &["USAGE", "CREATE"], false),
            grant(role(&reader), &owner, &["USAGE"], false),
        ])
    );
    let public = schema.schemas.iter().find(|s| s.name == "public").unwrap();
    assert_eq!(public.owner, "pg_database_owner");

    // A superuser granting on someone else's table grants as the owner.
    let t = schema.table("app", "t").unwrap();
    assert_eq!(t.owner, owner);
    assert_eq!(
        t.privileges,
        Some(vec![
            grant(
                role(&owner),
                &owner,
                &["INSERT", "SELECT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
                false
            ),
            grant(role(&reader), &owner, &["UPDATE"], false),
            grant(role(&reader), &owner, &["INSERT", "SELECT"], true),
        ])
    );
    assert_eq!(
        t.column("id").unwrap().privileges,
        Some(vec![grant(role(&reader), &owner, &["SELECT"], false)])
    );
    assert_eq!(t.column("secret").unwrap().privileges, None);
    let untouched = schema.table("app", "untouched").unwrap();
    assert_eq!((untouched.owner.as_str(), &untouched.privileges), (owner.as_str(), &None));

    let v = schema.view("app", "v").unwrap();
    assert_eq!(v.owner, owner);
    assert_eq!(
        v.privileges.as_ref().unwrap()[0],
        grant(Grantee::Public, &owner, &["SELECT"], false)
    );
    let s = schema.sequence("app", "s").unwrap();
    assert_eq!(s.owner, owner);
    assert_eq!(
        s.privileges,
        Some(vec![
            grant(Grantee::Public, &owner, &["USAGE"], false),
            grant(role(&owner), &owner, &["SELECT", "UPDATE", "USAGE"], false),
        ])
    );
    let f = &schema.routines[0];
    assert_eq!(f.owner, owner);
    assert_eq!(
        f.privileges,
        Some(vec![
            grant(role(&owner), &owner, &["EXECUTE"], false),
            grant(role(&reader), &owner, &["EXECUTE"], false),
        ])
    );
    let e = &schema.types.enums[0];
    assert_eq!(e.owner, owner);
    assert_eq!(e.privileges, Some(vec![grant(role(&owner), &owner, &["USAGE"], false)]));
}
