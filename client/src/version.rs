//! The version every component reports (`--version`, `kubectl version`, and later `/version`).

use std::fmt;

/// The Kubernetes API version this implementation serves and speaks.
pub const GIT_VERSION: &str = "v1.35.0";

/// Version facts in the shape of upstream's `version.Info` (the `/version` body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Info {
    /// Major version, `"1"`.
    pub major: &'static str,
    /// Minor version, `"35"`.
    pub minor: &'static str,
    /// The full version, `v1.35.0`.
    pub git_version: &'static str,
    /// The toolchain that built this binary.
    pub compiler: &'static str,
    /// `os/arch`, as upstream's `platform`.
    pub platform: String,
}

/// The version of this build.
pub fn get() -> Info {
    Info {
        major: "1",
        minor: "35",
        git_version: GIT_VERSION,
        compiler: "rustc",
        platform: format!("{}/{}", std::env::consts::OS, go_arch(std::env::consts::ARCH)),
    }
}

/// Upstream names architectures as Go does.
fn go_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    }
}

impl fmt::Display for Info {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Kubernetes {}", self.git_version)
    }
}

/// What a daemon's `--version` flag asked for: upstream accepts `--version`, `--version=true`,
/// `--version=false` and `--version=raw`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFlag {
    /// Print nothing; run normally.
    Off,
    /// Print `Kubernetes v1.35.0` and exit.
    On,
    /// Print every field of [`Info`] and exit.
    Raw,
}

impl VersionFlag {
    /// Reads the flag's value; `None` when the flag was not given.
    pub fn parse(value: Option<&str>) -> Result<Self, String> {
        match value {
            None | Some("false") => Ok(Self::Off),
            Some("true") | Some("") => Ok(Self::On),
            Some("raw") => Ok(Self::Raw),
            Some(other) => Err(format!("invalid argument {other:?} for \"--version\" flag")),
        }
    }

    /// The text to print, if any.
    pub fn text(self) -> Option<String> {
        let info = get();
        match self {
            Self::Off => None,
            Self::On => Some(info.to_string()),
            Self::Raw => Some(format!("{info:#?}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_flag_values() {
        assert_eq!(VersionFlag::parse(None), Ok(VersionFlag::Off));
        assert_eq!(VersionFlag::parse(Some("false")), Ok(VersionFlag::Off));
        assert_eq!(VersionFlag::parse(Some("true")), Ok(VersionFlag::On));
        assert_eq!(VersionFlag::parse(Some("raw")), Ok(VersionFlag::Raw));
        assert!(VersionFlag::parse(Some("yes")).is_err());
        assert_eq!(VersionFlag::On.text().as_deref(), Some("Kubernetes v1.35.0"));
        assert!(VersionFlag::Raw.text().is_some_and(|t| t.contains("git_version: \"v1.35.0\"")));
        assert_eq!(VersionFlag::Off.text(), None);
    }

    #[test]
    fn platform_uses_go_names() {
        assert_eq!(go_arch("x86_64"), "amd64");
        assert_eq!(go_arch("aarch64"), "arm64");
        assert!(get().platform.starts_with(std::env::consts::OS));
    }
}
