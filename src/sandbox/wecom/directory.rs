//! The corp's fixed address book (通讯录): the userids and department ids the simulator knows.
//! Anything else is rejected (640012 / 640013), as WeCom rejects ids not in the address book.

/// Departments as `(id, parent)`; 1 is the corp's root department.
const DEPARTMENT_TREE: &[(u32, Option<u32>)] =
    &[(1, None), (2, Some(1)), (3, Some(1)), (4, Some(2))];

/// Users as `(userid, department)`.
const USER_DEPARTMENT: &[(&str, u32)] = &[
    ("zhangsan", 2),
    ("lisi", 2),
    ("wangwu", 3),
    ("zhaoliu", 4),
    ("sunqi", 3),
    ("zhouba", 1),
    ("wujiu", 4),
    ("zhengshi", 1),
];

/// Every userid of the corp.
pub const USERS: &[&str] = &[
    "zhangsan", "lisi", "wangwu", "zhaoliu", "sunqi", "zhouba", "wujiu", "zhengshi",
];

/// Every department id of the corp (1 root; 2 and 3 under 1; 4 under 2).
pub const DEPARTMENTS: &[u32] = &[1, 2, 3, 4];

pub fn user_exists(userid: &str) -> bool {
    USERS.contains(&userid)
}

pub fn department_exists(id: u32) -> bool {
    DEPARTMENTS.contains(&id)
}

fn parent(id: u32) -> Option<u32> {
    DEPARTMENT_TREE
        .iter()
        .find(|(d, _)| *d == id)
        .and_then(|(_, p)| *p)
}

/// Whether `userid` belongs to `department` or one of its sub-departments.
pub fn user_in_department(userid: &str, department: u32) -> bool {
    let Some(&(_, mut d)) = USER_DEPARTMENT.iter().find(|(u, _)| *u == userid) else {
        return false;
    };
    loop {
        if d == department {
            return true;
        }
        match parent(d) {
            Some(p) => d = p,
            None => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_includes_parent_departments() {
        assert!(user_in_department("zhaoliu", 4));
        assert!(user_in_department("zhaoliu", 2));
        assert!(user_in_department("zhaoliu", 1));
        assert!(!user_in_department("zhaoliu", 3));
        assert!(!user_in_department("nobody", 1));
        assert_eq!(USERS.len(), USER_DEPARTMENT.len());
    }
}
