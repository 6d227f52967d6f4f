################################################################################
# Trust policy
################################################################################

# Who may assume a GitHub Actions role: tokens of the account's GitHub OIDC provider, issued for
# AWS STS, to jobs of one repository that run in the named GitHub environments, so their
# protection rules (required reviewers, deployment branches) gate every use of the role. A bare
# `ref:refs/heads/main` subject would let any workflow on main with `id-token: write` act as the
# role without a reviewer. Every GitHub role of the stack takes its trust from here.
data "aws_iam_policy_document" "this" {
  # checkov:skip=CKV_AWS_358:The subject is repo:<owner>/<name>:environment:<env>, exact (StringEquals); github_repository's validation enforces owner/name without wildcards, which checkov cannot see through the variable.
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.github_oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = [for environment in var.environments : "repo:${var.github_repository}:environment:${environment}"]
    }
  }
}
