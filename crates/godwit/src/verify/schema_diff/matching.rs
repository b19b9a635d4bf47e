//! Pairing named objects (constraints, indexes) of the two sides by definition first, then by
//! name, so that a renamed object is not reported as one missing and one extra.

/// One object of one side, reduced to what is compared.
#[derive(Debug, Clone)]
pub(super) struct Item<'a> {
    /// Its name.
    pub name: &'a str,
    /// The normalised definition: equal keys are equal objects.
    pub key: String,
    /// The definition as the server printed it, for messages.
    pub shown: String,
}

/// How an expected object relates to the target's objects.
#[derive(Debug)]
pub(super) enum Pairing<'i, 'a> {
    /// Same definition, same name.
    Same(&'i Item<'a>),
    /// Same definition, another name.
    Renamed(&'i Item<'a>, &'i Item<'a>),
    /// Same name, another definition.
    Changed(&'i Item<'a>, &'i Item<'a>),
    /// On the expected side only.
    Missing(&'i Item<'a>),
    /// On the target only.
    Extra(&'i Item<'a>),
}

/// Pair `expected` with `target`: equal definitions with equal names, then equal definitions,
/// then equal names; what is left is missing or extra. In `expected` order, extras last.
pub(super) fn pair<'i, 'a>(
    expected: &'i [Item<'a>],
    target: &'i [Item<'a>],
) -> Vec<Pairing<'i, 'a>> {
    let mut used = vec![false; target.len()];
    let mut found: Vec<Option<Pairing<'i, 'a>>> = Vec::with_capacity(expected.len());
    found.resize_with(expected.len(), || None);
    let rules: [fn(&Item, &Item) -> bool; 3] =
        [|e, t| e.key == t.key && e.name == t.name, |e, t| e.key == t.key, |e, t| e.name == t.name];
    for (rule, matches) in rules.iter().enumerate() {
        for (i, e) in expected.iter().enumerate() {
            if found[i].is_some() {
                continue;
            }
            let Some(j) = (0..target.len()).find(|&j| !used[j] && matches(e, &target[j])) else {
                continue;
            };
            used[j] = true;
            let t = &target[j];
            found[i] = Some(match rule {
                0 => Pairing::Same(e),
                1 => Pairing::Renamed(e, t),
                _ => Pairing::Changed(e, t),
            });
        }
    }
    let mut out: Vec<Pairing<'i, 'a>> =
        found.into_iter().zip(expected).map(|(f, e)| f.unwrap_or(Pairing::Missing(e))).collect();
    out.extend(target.iter().zip(&used).filter(|(_, u)| !**u).map(|(t, _)| Pairing::Extra(t)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item<'a>(name: &'a str, key: &str) -> Item<'a> {
        Item { name, key: key.into(), shown: key.into() }
    }

    #[test]
    fn definitions_pair_before_names() {
        let e = [item("a", "x"), item("b", "y"), item("c", "z"), item("d", "w")];
        let t = [item("b2", "y"), item("a", "x"), item("c", "changed"), item("e", "v")];
        let got: Vec<String> = pair(&e, &t)
            .iter()
            .map(|p| match p {
                Pairing::Same(e) => format!("same {}", e.name),
                Pairing::Renamed(e, t) => format!("renamed {} {}", e.name, t.name),
                Pairing::Changed(e, _) => format!("changed {}", e.name),
                Pairing::Missing(e) => format!("missing {}", e.name),
                Pairing::Extra(t) => format!("extra {}", t.name),
            })
            .collect();
        assert_eq!(got, ["same a", "renamed b b2", "changed c", "missing d", "extra e"]);
    }
}
